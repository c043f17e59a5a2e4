import type { Logger } from 'pino'
import type { Db } from '../store/db.js'
import type { StoredEvent } from '../events/event-types.js'
import { listEventsBetween } from '../events/event-log.sql.js'
import { findConversationPositions } from './realtime.sql.js'

/**
 * Per followed conversation, the last seq delivered on this node: every event reaches the
 * node's sessions once, in seq order, whatever the bus does.
 *
 * An event at or below the position is a duplicate and is dropped; one beyond the next is held
 * while the missing seqs are read back from the event log (they are committed: seqs commit in
 * order). Publishes are a fast path that may be lost (a node killed between COMMIT and publish),
 * so `resync` compares the log's last seqs with the positions and reads what is missing.
 */
export class Sequencer {
  private readonly delivered = new Map<string, number>()
  private readonly held = new Map<string, Map<number, StoredEvent>>()
  private readonly filling = new Set<string>()

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    /** Delivers the next event in seq order; may start or stop following its conversation. */
    private readonly deliver: (e: StoredEvent) => void,
    /** Whether an event of a conversation not followed here brings a local participant in. */
    private readonly joinsHere: (e: StoredEvent) => boolean,
  ) {}

  /** Begins a conversation at a position: what follows `lastSeq` is delivered. */
  start(conversationId: string, lastSeq: number): void {
    this.delivered.set(conversationId, lastSeq)
  }

  stop(conversationId: string): void {
    this.delivered.delete(conversationId)
    this.held.delete(conversationId)
  }

  conversations(): string[] {
    return [...this.delivered.keys()]
  }

  route(e: StoredEvent): void {
    const c = e.conversationId
    let last = this.delivered.get(c)
    if (last === undefined) {
      // Not followed here, unless this very event brings a local participant in.
      if (!this.joinsHere(e)) return
      last = e.seq - 1
    }
    if (e.seq <= last) return
    if (e.seq > last + 1) {
      let held = this.held.get(c)
      if (!held) this.held.set(c, (held = new Map()))
      held.set(e.seq, e)
      this.fill(c, Math.max(...held.keys()))
      return
    }
    this.step(e)
    const held = this.held.get(c)
    while (held?.size) {
      const next = held.get(this.delivered.get(c)! + 1)
      if (!next) break
      held.delete(next.seq)
      this.step(next)
    }
    if (held && !held.size) this.held.delete(c)
  }

  private step(e: StoredEvent): void {
    this.deliver(e)
    // Unless delivering it ended the conversation here (the last local member was removed).
    if (this.delivered.has(e.conversationId)) this.delivered.set(e.conversationId, e.seq)
  }

  /** Compares conversations' last seqs in the log with what was delivered; fills the difference. */
  async resync(conversationIds: string[]): Promise<void> {
    if (!conversationIds.length) return
    try {
      for (const { id, last_seq } of await findConversationPositions(this.db, conversationIds)) {
        const delivered = this.delivered.get(id)
        if (delivered !== undefined && last_seq > delivered) this.fill(id, last_seq)
      }
    } catch (err) {
      this.log.warn({ err }, 'could not compare delivered positions with the log; will retry')
    }
  }

  /** Reads a conversation's events after what was delivered, up to `upTo`, from the log, and routes them. */
  private fill(conversationId: string, upTo: number): void {
    if (this.filling.has(conversationId)) return
    this.filling.add(conversationId)
    // Let events already on their way in this turn arrive first; most gaps close by themselves.
    setImmediate(async () => {
      try {
        const from = this.delivered.get(conversationId)
        if (from === undefined || from >= upTo) return
        for (const e of await listEventsBetween(this.db, conversationId, from, upTo)) this.route(e)
      } catch (err) {
        this.log.warn({ err, conversationId }, 'could not fill a gap in delivered events; clients will sync')
      } finally {
        this.filling.delete(conversationId)
        const held = this.held.get(conversationId)
        if (held?.size) this.fill(conversationId, Math.max(...held.keys()))
      }
    })
  }
}
