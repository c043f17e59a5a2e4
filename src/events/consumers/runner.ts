import type { Logger } from 'pino'
import type { Db } from '../../store/db.js'
import { acquireLease, consumerEventsAfter, lowestPendingTx, recordFailure, releaseLease, savePass, savePosition, startPass, type ConsumerEvent } from './consumers.sql.js'
import { noLagReporter, type LagReporter } from './lag-metrics.js'

/** A named, durable consumer of the event log (docs/event-log.md, "Consumers"). */
export interface ConsumerDefinition {
  /** Its identity in the database: positions, lease and failures are kept under this name. */
  name: string
  /**
   * Handles events of ONE conversation, in seq order, continuing where the last successful call
   * of that conversation ended. Throwing keeps the position: the same events come again later.
   * At least once: after a crash or a takeover a batch may come again. Each event also carries
   * its conversation's current type and its actor's kind (read with it).
   */
  handle(events: ConsumerEvent[]): Promise<void>
  /** Tries of one event before it is recorded in consumer_failures and skipped (default 10). */
  maxAttempts?: number
  /**
   * Whether an error counts as a try. An outage of what the handler writes to is not the event's
   * fault: such errors retry with backoff for as long as it lasts (default: every error counts).
   */
  countsAsAttempt?(err: unknown): boolean
  /** Most events per call (default 100). */
  batchSize?: number
  /** Conversations handled at once (default 8); one conversation is never handled twice at once. */
  concurrency?: number
  /** Retry delay: initialMs doubling per failure up to maxMs (defaults 200 ms, 30 s). */
  backoff?: { initialMs?: number; maxMs?: number }
}

/** What wakes a runner: the node's event sink, or the consumer thread's wake-up messages. */
export interface WakeSource {
  subscribe(listener: () => void): () => void
}

export interface RunnerOptions {
  db: Db
  /** This node's unique name; the lease holder. */
  node: string
  log: Logger
  /** Commits of this node wake the runner at once; otherwise it polls every pollMs. */
  sink?: WakeSource
  lag?: LagReporter
  leaseMs?: number
  renewMs?: number
  pollMs?: number
  /**
   * Least time from the start of one pass to the start of the next when commits keep coming
   * (default 20 ms). Each pass costs the database a discovery read and a position write
   * whatever it finds, so under load one pass takes what many commits wrote instead of
   * running once per commit; a quiet log still starts a pass on the first commit at once.
   */
  minPassIntervalMs?: number
}

/** Conversations looked at per pass; with more pending, the watermark waits for the next pass. */
const DISCOVERY_LIMIT = 1_000
/** Events read with discovery, in all (fewer per conversation when many are pending). */
const PREFETCH_EVENTS = 5_000

interface Failing {
  seq: number
  attempts: number
  tries: number
  dueAt: number
}

/**
 * Runs one consumer on whichever node holds its lease. Truth is per conversation: a position
 * per (consumer, conversation), always a gapless prefix of that conversation's log. Discovery
 * of conversations with new events goes by transaction id from a watermark that only ever moves
 * up to the snapshot's xmin, so an event that commits late is still found (the hazard and the
 * proof are in docs/event-log.md).
 */
export class ConsumerRunner {
  private readonly leaseMs: number
  private readonly renewMs: number
  private readonly pollMs: number
  private readonly minPassIntervalMs: number
  private readonly lag: LagReporter
  private owner = false
  private validUntil = 0
  private watermark = '0'
  private readonly failing = new Map<string, Failing>()
  /** Per conversation: the last seq of a batch that failed; up to it, events go one by one. */
  private readonly singleUntil = new Map<string, number>()
  private closed = false
  private dirty = true
  private wakeUp: (() => void) | undefined
  private loops: Promise<void>[] = []
  private unsubscribe = () => {}
  private stopLeasePause = () => {}

  constructor(
    readonly def: ConsumerDefinition,
    private readonly opts: RunnerOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? 10_000
    this.renewMs = opts.renewMs ?? 3_000
    this.pollMs = opts.pollMs ?? 1_000
    this.minPassIntervalMs = opts.minPassIntervalMs ?? 20
    this.lag = opts.lag ?? noLagReporter
  }

  start(): this {
    this.unsubscribe = this.opts.sink?.subscribe(() => this.wake()) ?? (() => {})
    this.loops = [this.leaseLoop(), this.workLoop()]
    return this
  }

  /** Whether this node runs the consumer now (holds an unexpired lease, as far as it knows). */
  get isOwner(): boolean {
    return this.owner && Date.now() < this.validUntil
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.unsubscribe()
    this.wake()
    this.stopLeasePause()
    await Promise.all(this.loops)
    this.lag.clear(this.def.name)
    if (this.owner) await releaseLease(this.opts.db, this.def.name, this.opts.node).catch(() => {})
  }

  private wake(): void {
    this.dirty = true
    const w = this.wakeUp
    this.wakeUp = undefined
    w?.()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => (this.wakeUp = undefined, resolve()), Math.max(0, ms))
      this.wakeUp = () => (clearTimeout(t), resolve())
    })
  }

  private pauseLease(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(0, ms))
      this.stopLeasePause = () => (clearTimeout(t), resolve())
    })
  }

  /** Takes the lease when free or expired, renews it while held; independent of slow handlers. */
  private async leaseLoop(): Promise<void> {
    while (!this.closed) {
      const started = Date.now()
      try {
        const got = await acquireLease(this.opts.db, this.def.name, this.opts.node, this.leaseMs)
        if (got && !this.closed) {
          // Counted from before the query: the database's lease ends no earlier than this.
          this.validUntil = started + this.leaseMs
          if (!this.owner) {
            this.owner = true
            this.watermark = got.watermark
            this.failing.clear()
            this.singleUntil.clear()
            this.opts.log.info({ consumer: this.def.name, node: this.opts.node }, 'consumer: took the lease')
            this.wake()
          }
        } else if (!got) this.lost()
      } catch (err) {
        this.opts.log.warn({ err, consumer: this.def.name }, 'consumer: lease renewal failed')
      }
      await this.pauseLease(this.renewMs - (Date.now() - started))
    }
  }

  private lost(): void {
    if (!this.owner) return
    this.owner = false
    this.failing.clear()
    this.singleUntil.clear()
    this.lag.clear(this.def.name)
    this.opts.log.warn({ consumer: this.def.name, node: this.opts.node }, 'consumer: lease lost to another node')
  }

  private async workLoop(): Promise<void> {
    while (!this.closed) {
      let pauseMs = this.pollMs
      if (this.isOwner) {
        this.dirty = false
        const started = Date.now()
        try {
          await this.pass()
        } catch (err) {
          this.opts.log.warn({ err, consumer: this.def.name }, 'consumer: pass failed')
          this.dirty = false
        }
        const due = Math.min(...[...this.failing.values()].map((f) => f.dueAt))
        if (Number.isFinite(due)) pauseMs = Math.min(pauseMs, due - Date.now())
        if (this.dirty) {
          // Commits came during the pass: gather more of them before the next one.
          const gap = this.minPassIntervalMs - (Date.now() - started)
          if (gap > 0 && !this.closed) await new Promise((r) => setTimeout(r, gap))
          continue
        }
      }
      if (this.closed) return
      await this.sleep(pauseMs)
    }
  }

  /**
   * One pass: find conversations with unhandled events, drain each, then move the watermark.
   * Two statements when nothing is behind: discovery reads xmin and the first events of every
   * pending conversation at once; one fenced write saves the positions of the pass together
   * with the watermark.
   */
  private async pass(): Promise<void> {
    const { db, node } = this.opts
    const name = this.def.name
    const batchSize = this.def.batchSize ?? 100
    // Conversations retrying one event at a time, or backing off, are read by drain itself.
    const exclude = [...new Set([...this.failing.keys(), ...this.singleUntil.keys()])]
    const start = await startPass(db, name, this.watermark, DISCOVERY_LIMIT, { batchSize, maxEvents: PREFETCH_EVENTS, exclude })
    const { xmin, pending } = start
    const outcomes = await mapLimit(pending, this.def.concurrency ?? 8, (p) =>
      this.drain(p.conversationId, p.position, start.events.get(p.conversationId), start.perConversation),
    )
    let lagEvents = 0
    let oldest = Infinity
    pending.forEach((p, i) => {
      const o = outcomes[i]
      if (!o.blocked) return
      lagEvents += Math.max(0, p.head - o.position)
      oldest = Math.min(oldest, p.oldest.getTime())
    })
    const positions = outcomes.filter((o) => o.unsaved).map((o) => ({ conversationId: o.conversationId, seq: o.position }))
    let watermark: bigint | null = null
    if (this.isOwner) {
      this.lag.report(name, lagEvents, Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0)
      if (pending.length < DISCOVERY_LIMIT && !outcomes.some((o) => o.error)) {
        // A conversation left with unhandled events (backing off) keeps the watermark at or
        // below the lowest transaction among them, so that a new owner finds it again.
        let next = BigInt(xmin)
        for (let i = 0; i < pending.length; i++) {
          if (!outcomes[i].blocked) continue
          const tx = await lowestPendingTx(db, pending[i].conversationId, outcomes[i].position)
          if (tx !== null && BigInt(tx) < next) next = BigInt(tx)
        }
        if (next > BigInt(this.watermark)) watermark = next
      }
    }
    // Positions handled are written even when the watermark stays (the write is fenced).
    if (!positions.length && watermark === null) return
    if (await savePass(db, name, node, positions, watermark === null ? null : watermark.toString())) {
      if (watermark !== null) this.watermark = watermark.toString()
    } else this.lost()
  }

  /**
   * Handles one conversation up to its end, or until its handler fails. `first`: its events
   * read with discovery (`perRead` at most). The position after the last batch is left to the
   * pass's one write (`unsaved`); one the drain goes on from is saved at once.
   */
  private async drain(
    conversationId: string,
    position: number,
    first: ConsumerEvent[] | undefined,
    perRead: number,
  ): Promise<{ conversationId: string; position: number; blocked: boolean; unsaved?: boolean; error?: unknown }> {
    const { db, node } = this.opts
    const batchSize = this.def.batchSize ?? 100
    let pos = position
    let prefetched = first
    try {
      const waiting = this.failing.get(conversationId)
      if (waiting && waiting.dueAt > Date.now()) return { conversationId, position: pos, blocked: true }
      while (this.isOwner && !this.closed) {
        // After a batch failed, its events go one at a time, so that the event at fault is the
        // one retried, counted and, in the end, skipped.
        const single = (this.singleUntil.get(conversationId) ?? 0) > pos
        let events: ConsumerEvent[]
        let limit = single ? 1 : batchSize
        if (prefetched && !single) {
          events = prefetched
          limit = perRead
        } else events = await consumerEventsAfter(db, conversationId, pos, limit)
        prefetched = undefined
        if (!events.length) return { conversationId, position: pos, blocked: false }
        try {
          await this.def.handle(events)
        } catch (err) {
          const first = events[0]
          this.singleUntil.set(conversationId, events[events.length - 1].seq)
          if (events.length > 1) continue
          const before = this.failing.get(conversationId)
          const f: Failing = before?.seq === first.seq ? before : { seq: first.seq, attempts: 0, tries: 0, dueAt: 0 }
          f.tries++
          if (this.def.countsAsAttempt?.(err) ?? true) f.attempts++
          if (f.attempts >= (this.def.maxAttempts ?? 10)) {
            this.opts.log.error({ err, consumer: this.def.name, conversationId, seq: first.seq, attempts: f.attempts }, 'consumer: event failed, skipped')
            const failure = { conversationId, seq: first.seq, type: first.type, attempts: f.attempts, error: errorText(err) }
            if (!(await recordFailure(db, this.def.name, node, failure))) return this.lostDuring(conversationId, pos)
            this.failing.delete(conversationId)
            pos = first.seq
            continue
          }
          f.dueAt = Date.now() + this.backoffMs(f.tries)
          this.failing.set(conversationId, f)
          const level = f.tries === 1 ? 'warn' : 'debug'
          this.opts.log[level]({ err, consumer: this.def.name, conversationId, seq: first.seq, tries: f.tries }, 'consumer: handler failed, will retry')
          return { conversationId, position: pos, blocked: true }
        }
        const last = events[events.length - 1].seq
        this.failing.delete(conversationId)
        if (this.singleUntil.has(conversationId) && last >= this.singleUntil.get(conversationId)!) this.singleUntil.delete(conversationId)
        // The end of the conversation: its position goes with the pass's one write.
        if (!single && events.length < limit) return { conversationId, position: last, blocked: false, unsaved: true }
        if (!(await savePosition(db, this.def.name, node, conversationId, last))) return this.lostDuring(conversationId, pos)
        pos = last
      }
      return { conversationId, position: pos, blocked: true }
    } catch (error) {
      return { conversationId, position: pos, blocked: true, error }
    }
  }

  private lostDuring(conversationId: string, position: number) {
    this.lost()
    return { conversationId, position, blocked: true }
  }

  private backoffMs(tries: number): number {
    const initial = this.def.backoff?.initialMs ?? 200
    const max = this.def.backoff?.maxMs ?? 30_000
    const base = Math.min(max, initial * 2 ** Math.min(tries - 1, 30))
    return base * (0.8 + Math.random() * 0.4)
  }
}

function errorText(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2_000)
}

/** Like Promise.all over `items`, at most `limit` at a time. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
