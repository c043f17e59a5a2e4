import type { Positions } from './events.js'

/** What the sequencer needs of an event: its place. The rest travels untouched. */
export interface Sequenced {
  conversationId: string
  seq: number
}

/**
 * Exactly-once, in-order delivery of durable events, by seq per conversation. Pure and
 * synchronous (no sockets, no timers), so its rules are tested on their own.
 *
 * - It keeps, per conversation, the last seq delivered to the app, and never delivers a seq
 *   at or below it again (live frames and `sync` replays overlap by design).
 * - Between `beginSync()` and `endSync()`, live events are held back; `sync`'s events are
 *   applied first, then the held live ones, skipping what sync already delivered. So the app
 *   sees each seq once, in order, whichever way the race between sync and live went.
 * - `abortSync()` (the socket dropped mid-sync) drops what was held: none of it was
 *   delivered, so the positions are unchanged and the next sync brings it again.
 */
export class Sequencer<E extends Sequenced> {
  private readonly last = new Map<string, number>()
  private held: E[] | undefined

  constructor(
    private readonly deliver: (event: E, source: 'live' | 'sync') => void,
    initial: Positions = {},
  ) {
    for (const [id, seq] of Object.entries(initial)) this.advance(id, seq)
  }

  get syncing(): boolean {
    return this.held !== undefined
  }

  /** Conversation id → last seq delivered; a copy. */
  positions(): Positions {
    return Object.fromEntries(this.last)
  }

  hasPositions(): boolean {
    return this.last.size > 0
  }

  /** Moves a conversation's position forward (never back): "the app already has up to `seq`". */
  advance(conversationId: string, seq: number): void {
    if (!Number.isInteger(seq) || seq < 0) throw new RangeError(`position of ${conversationId} must be an integer ≥ 0, got ${seq}`)
    if (seq > (this.last.get(conversationId) ?? -1)) this.last.set(conversationId, seq)
  }

  /** Forgets a conversation (the app no longer follows it). */
  forget(conversationId: string): void {
    this.last.delete(conversationId)
  }

  /** A live event frame. */
  live(event: E): void {
    if (this.held) this.held.push(event)
    else this.apply(event, 'live')
  }

  /** Delivers `event` unless its seq was already delivered; true when delivered. */
  apply(event: E, source: 'live' | 'sync'): boolean {
    const last = this.last.get(event.conversationId)
    if (last !== undefined && event.seq <= last) return false
    this.last.set(event.conversationId, event.seq)
    this.deliver(event, source)
    return true
  }

  beginSync(): void {
    this.held ??= []
  }

  /** Sync is done: delivers the held live events, in arrival order, skipping duplicates. */
  endSync(): void {
    const held = this.held ?? []
    this.held = undefined
    for (const e of held) this.apply(e, 'live')
  }

  abortSync(): void {
    this.held = undefined
  }
}
