/** Latency samples in milliseconds, kept in a growable Float64Array; percentiles by nearest rank. */
export class Samples {
  private buf = new Float64Array(1024)
  n = 0

  add(ms: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2)
      next.set(this.buf)
      this.buf = next
    }
    this.buf[this.n++] = ms
  }

  summary(): LatencySummary {
    const s = this.buf.slice(0, this.n).sort()
    const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] : NaN)
    let sum = 0
    for (const v of s) sum += v
    return {
      count: s.length,
      meanMs: round3(s.length ? sum / s.length : NaN),
      p50Ms: round3(at(0.5)),
      p90Ms: round3(at(0.9)),
      p99Ms: round3(at(0.99)),
      p999Ms: round3(at(0.999)),
      maxMs: round3(s.length ? s[s.length - 1] : NaN),
    }
  }
}

export interface LatencySummary {
  count: number
  meanMs: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
}

export const round3 = (n: number) => Math.round(n * 1000) / 1000
export const round1 = (n: number) => Math.round(n * 10) / 10

/** Monotonic clock in milliseconds (fractional). */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6
