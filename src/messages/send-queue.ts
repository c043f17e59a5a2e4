import type { Db } from '../store/db.js'
import { withRetries } from '../store/db.js'
import type { EventSink } from '../events/event-sink.js'
import { stored, type NewEvent, type StoredEvent } from '../events/event-types.js'
import { refusalError } from '../conversations/posting-rule.js'
import { ParleyError, toParleyError } from '../ops/errors.js'
import { toMessageView, type MessageRow } from './messages.sql.js'
import { sendBatch, type BatchSend } from './send-batch.sql.js'

/** A send that passed validation and the caller's pre-checks; its id is already chosen. */
export interface SendRequest {
  id: string
  conversationId: string
  senderId: string
  senderKind: 'user' | 'agent'
  kind: 'text' | 'notice'
  content: string
  clientMsgId: string | null
  replyToId: string | null
  threadRootId: string | null
  forwardOf: MessageRow['forward_of']
  /** Members only, already resolved (src/messages/mentions.ts). */
  mentions: string[]
  wildcardMention: MessageRow['wildcard_mention']
  metadata: MessageRow['metadata']
}

export interface SendResult {
  message: MessageRow
  /** False when a retry with the same clientMsgId found the first attempt's message. */
  created: boolean
}

interface Item {
  req: SendRequest
  resolve(r: SendResult): void
  reject(e: unknown): void
}

export interface SendQueueOptions {
  /** Most sends in one transaction. */
  batchMax: number
  /** Batches in flight at once (each on its own connection). */
  concurrency: number
  onBatch?(size: number): void
}

/**
 * Group commit for sends. Concurrent sends queue here; whenever a slot is free, everything
 * queued (up to `batchMax`, conversations not already in flight) is committed by one
 * statement that is its own transaction (`sendBatch`, migration 0002): the conversations are
 * locked in id order, posting rights and clientMsgIds are checked under the lock, seqs are
 * assigned in arrival order, and messages, events, seqs and cursors are written. Each sender
 * is answered only after COMMIT.
 *
 * There is no timer: while one batch commits, the next one fills up, so batches grow with
 * load and a lone send goes out at once.
 */
export class SendQueue {
  private readonly pending = new Map<string, Item[]>()
  private readonly inFlight = new Set<string>()
  private running = 0
  private closed = false
  private scheduled = false

  constructor(
    private readonly db: Db,
    private readonly events: EventSink,
    private readonly opts: SendQueueOptions,
  ) {}

  send(req: SendRequest): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(toParleyError(new Error('closed')))
      const list = this.pending.get(req.conversationId)
      const item = { req, resolve, reject }
      if (list) list.push(item)
      else this.pending.set(req.conversationId, [item])
      this.schedule()
    })
  }

  /**
   * Dispatches once per event-loop turn rather than per send, so that every request parsed in
   * the same I/O phase joins one batch. This matters most on PGlite, whose transactions run
   * without yielding to I/O: requests arrive in bursts between them, and an eager dispatch
   * would commit the first of each burst alone.
   */
  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.pump()
    })
  }

  /** Stops taking sends; resolves when every queued send has been answered. */
  async close(): Promise<void> {
    this.closed = true
    while (this.running > 0 || this.pending.size > 0) await new Promise((r) => setTimeout(r, 5))
  }

  private pump(): void {
    while (this.running < this.opts.concurrency) {
      const batch = this.take()
      if (!batch.length) return
      this.running++
      const convs = new Set(batch.map((i) => i.req.conversationId))
      for (const c of convs) this.inFlight.add(c)
      let released = false
      const release = () => {
        if (released) return
        released = true
        this.running--
        for (const c of convs) this.inFlight.delete(c)
        this.pump()
      }
      void this.commit(batch, release).finally(release)
    }
  }

  /** Whole per-conversation queues, in arrival order of conversations, up to batchMax items. */
  private take(): Item[] {
    const batch: Item[] = []
    for (const [conv, items] of this.pending) {
      if (this.inFlight.has(conv)) continue
      const room = this.opts.batchMax - batch.length
      if (room <= 0) break
      batch.push(...items.splice(0, room))
      if (!items.length) this.pending.delete(conv)
    }
    return batch
  }

  private async commit(batch: Item[], release: () => void): Promise<void> {
    try {
      await this.commitTogether(batch, release)
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err)
      // One bad item must not fail its neighbours: retry each on its own.
      for (const item of batch) {
        try {
          await this.commitTogether([item], () => {})
        } catch (e) {
          item.reject(e)
        }
      }
    }
  }

  /**
   * Commits, then frees the slot (so the next batch goes out at once), then announces and
   * answers: writing the answers and parsing the requests they provoke overlaps with the next
   * batch's statement instead of delaying it.
   */
  private async commitTogether(batch: Item[], release: () => void): Promise<void> {
    const at = new Date().toISOString()
    const sends: BatchSend[] = batch.map(({ req: r }) => {
      const row = {
        conversation_id: r.conversationId,
        id: r.id,
        sender_id: r.senderId,
        sender_kind: r.senderKind,
        kind: r.kind,
        content: r.content,
        client_msg_id: r.clientMsgId,
        reply_to_id: r.replyToId,
        thread_root_id: r.threadRootId,
        forward_of: r.forwardOf,
        mentions: r.mentions,
        wildcard_mention: r.wildcardMention,
        metadata: r.metadata,
        reply_count: 0,
        last_reply_at: null,
        has_thread: false,
        last_reply_seq: null,
        thread_participants: [],
        system: null,
        created_at: at,
        edited_at: null,
        deleted_at: null,
      }
      return { row, view: toMessageView({ ...row, seq: 0 }) }
    })
    const { outcomes, threadEvents } = await withRetries(() => sendBatch(this.db, sends, at))
    release()

    const events: StoredEvent[] = []
    const created = new Map<string, MessageRow>()
    const results = outcomes.map((o, i): SendResult | ParleyError | 'duplicate' => {
      const { req } = batch[i]
      if (o.outcome === 'created') {
        const message: MessageRow = { ...sends[i].row, seq: o.seq }
        // The same payload the SQL function stored: the view with its seq merged in.
        const event: NewEvent = { type: 'message.created', actorId: req.senderId, data: { ...sends[i].view, seq: o.seq } }
        events.push(stored(event, req.conversationId, o.seq, at))
        if (req.clientMsgId !== null) created.set(retryKey(req), message)
        return { message, created: true }
      }
      if (o.outcome === 'retry') return { message: o.existing, created: false }
      if (o.outcome === 'duplicate') return 'duplicate'
      return refusalError(o.outcome)
    })
    this.opts.onBatch?.(events.length)
    // Each root that got replies: one message.updated, after the batch's messages (threads.sql.ts).
    for (const t of threadEvents) events.push(stored({ type: 'message.updated', actorId: t.actorId, data: t.data }, t.conversationId, t.seq, at))
    if (events.length) this.events.committed(events)
    results.forEach((res, i) => {
      const item = batch[i]
      if (res === 'duplicate') item.resolve({ message: created.get(retryKey(item.req))!, created: false })
      else if (res instanceof ParleyError) item.reject(res)
      else item.resolve(res)
    })
  }
}

const retryKey = (r: SendRequest) => `${r.conversationId}\u0000${r.senderId}\u0000${r.clientMsgId}`
