import { DEFAULT_MAX_PAYLOAD, type Bus, type BusHandler, type BusLog } from './bus.js'
import { checkSubject, hasWildcard, subjectMatches } from './subjects.js'

/** One subscribe() call on one MemoryBus. */
interface MemorySub {
  readonly pattern: string
  readonly handler: BusHandler
  readonly log: BusLog
  active: boolean
}

interface Delivery {
  sub: MemorySub
  subject: string
  payload: string
}

/**
 * What the MemoryBuses of one process share, standing in for the NATS server: subscriptions
 * and a FIFO of deliveries. Every MemoryBus has its own hub unless given one; several buses
 * on one hub model several nodes in one process (tests of multi-node behaviour without NATS).
 *
 * Delivery is asynchronous, like NATS: publish() matches subscriptions at once (a later
 * subscriber does not get an earlier message) and queues one delivery per match; one
 * microtask then hands the queue to the handlers, in publish order across all subjects.
 * Messages that handlers publish join the end of the same queue.
 */
export class MemoryHub {
  /** Literal subscriptions by subject: the common case (one subject per conversation) is one lookup. */
  private readonly literal = new Map<string, Set<MemorySub>>()
  private readonly wildcard = new Set<MemorySub>()
  private queue: Delivery[] = []
  private draining = false
  private idle: Array<() => void> = []

  add(sub: MemorySub): void {
    if (hasWildcard(sub.pattern)) this.wildcard.add(sub)
    else {
      let set = this.literal.get(sub.pattern)
      if (!set) this.literal.set(sub.pattern, (set = new Set()))
      set.add(sub)
    }
  }

  remove(sub: MemorySub): void {
    if (this.wildcard.delete(sub)) return
    const set = this.literal.get(sub.pattern)
    if (set?.delete(sub) && set.size === 0) this.literal.delete(sub.pattern)
  }

  publish(subject: string, payload: string): void {
    const exact = this.literal.get(subject)
    if (exact) for (const sub of exact) this.queue.push({ sub, subject, payload })
    for (const sub of this.wildcard) if (subjectMatches(sub.pattern, subject)) this.queue.push({ sub, subject, payload })
    if (this.queue.length > 0 && !this.draining) {
      this.draining = true
      queueMicrotask(() => this.drain())
    }
  }

  /** Resolves once every delivery queued so far has been handed to its handler. */
  flush(): Promise<void> {
    if (!this.draining) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  private drain(): void {
    // Index loop: handlers may append to the queue while it drains.
    for (let i = 0; i < this.queue.length; i++) {
      const { sub, subject, payload } = this.queue[i]
      if (!sub.active) continue
      try {
        sub.handler(payload, subject)
      } catch (err) {
        sub.log.error({ err, subject, pattern: sub.pattern }, 'bus handler threw')
      }
    }
    this.queue = []
    this.draining = false
    const idle = this.idle
    this.idle = []
    for (const resolve of idle) resolve()
  }
}

export interface MemoryBusOptions {
  log: BusLog
  /** Share a hub to model several nodes in one process; by default the bus has its own. */
  hub?: MemoryHub
  /** Largest payload in UTF-8 bytes; bigger ones are logged and dropped, as NATS would. Default 1 MiB. */
  maxPayload?: number
}

/**
 * The bus of a single process (no NATS_URL): same subjects, wildcards, ordering and
 * asynchronous delivery as {@link NatsBus}, without a network. Nothing is ever lost while the
 * process lives, so `onReconnect` listeners are never called.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const
  private readonly hub: MemoryHub
  private readonly log: BusLog
  private readonly maxPayload: number
  private readonly subs = new Set<MemorySub>()
  private closed = false

  constructor(opts: MemoryBusOptions) {
    this.log = opts.log
    this.hub = opts.hub ?? new MemoryHub()
    this.maxPayload = opts.maxPayload ?? DEFAULT_MAX_PAYLOAD
  }

  publish(subject: string, payload: string): void {
    checkSubject(subject, false)
    if (this.closed) return
    // A UTF-16 unit is 1 to 3 UTF-8 bytes: count bytes only when the length leaves doubt.
    if (payload.length > this.maxPayload || (payload.length * 3 > this.maxPayload && Buffer.byteLength(payload) > this.maxPayload)) {
      this.log.error({ subject, bytes: Buffer.byteLength(payload), maxPayload: this.maxPayload }, 'bus payload too large; dropped')
      return
    }
    this.hub.publish(subject, payload)
  }

  subscribe(pattern: string, handler: BusHandler): () => void {
    checkSubject(pattern, true)
    if (this.closed) return () => {}
    const sub: MemorySub = { pattern, handler, log: this.log, active: true }
    this.hub.add(sub)
    this.subs.add(sub)
    return () => {
      if (!sub.active) return
      sub.active = false
      this.hub.remove(sub)
      this.subs.delete(sub)
    }
  }

  flush(): Promise<void> {
    return this.hub.flush()
  }

  onReconnect(_listener: () => void): () => void {
    return () => {}
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const sub of this.subs) {
      sub.active = false
      this.hub.remove(sub)
    }
    this.subs.clear()
  }
}
