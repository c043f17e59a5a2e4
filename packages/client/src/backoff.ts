/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): attempt n waits a uniformly random time in [0, min(cap, base · 2ⁿ)). Full jitter
 * spreads a crowd of clients that lost the same server, instead of having them return in
 * waves. `random` is injectable so tests are deterministic.
 */
export interface BackoffOptions {
  /** First attempt's ceiling, ms (default 250). */
  baseMs?: number
  /** Largest ceiling, ms (default 30 000). */
  capMs?: number
  random?: () => number
}

export class Backoff {
  private attempt = 0
  private readonly baseMs: number
  private readonly capMs: number
  private readonly random: () => number

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 250
    this.capMs = opts.capMs ?? 30_000
    this.random = opts.random ?? Math.random
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.attempt
  }

  /** The ceiling of the next delay, ms. */
  ceiling(): number {
    // 2^attempt overflows nothing useful past ~40; clamp before multiplying.
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 40))
  }

  /** The next delay, ms; advances the attempt count. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceiling())
    this.attempt++
    return delay
  }

  /** After a stable connection: the next failure starts from the base again. */
  reset(): void {
    this.attempt = 0
  }
}
