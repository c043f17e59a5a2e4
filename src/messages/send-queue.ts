import type { Db, Tx } from '../store/db.js'
import type { EventSink } from '../events/event-sink.js'
import type { StoredEvent } from '../events/event-types.js'
import { postingRefusal } from '../conversations/access.js'
import { notFound, toParleyError, type ParleyError } from '../ops/errors.js'
import { toMessageView, type MessageRow } from './messages.sql.js'
import { findPostersAndRetries, lockBatchConversations, writeBatch, type BatchWrite } from './send-batch.sql.js'

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
 * Group commit for sends. Concurrent sends queue here; whenever a transaction slot is free,
 * everything queued (up to `batchMax`, conversations not already in flight) is committed in
 * one transaction: the conversations are locked in id order, posting rights and clientMsgIds
 * are checked under the lock, seqs are assigned in arrival order, and one statement writes
 * messages, events, seqs and cursors. Each sender is answered only after COMMIT.
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
   * Commits, then frees the slot (so the next batch's BEGIN goes out at once), then announces
   * and answers: writing the answers and parsing the requests they provoke overlaps with the
   * next batch's first round trips instead of delaying them.
   */
  private async commitTogether(batch: Item[], release: () => void): Promise<void> {
    const outcomes = await this.db.transaction((tx) => this.writeInTx(tx, batch))
    release()
    this.opts.onBatch?.(outcomes.events.length)
    if (outcomes.events.length) this.events.committed(outcomes.events)
    outcomes.settle()
  }

  /** Runs inside the batch's transaction. Returns what to announce and how to answer, after COMMIT. */
  private async writeInTx(tx: Tx, batch: Item[]) {
    const convIds = [...new Set(batch.map((i) => i.req.conversationId))].sort()
    const convs = new Map((await lockBatchConversations(tx, convIds)).map((c) => [c.id, c]))
    const pairs = uniqueBy(batch.map((i) => ({ conversationId: i.req.conversationId, senderId: i.req.senderId })), (p) => `${p.conversationId}\u0000${p.senderId}`)
    const keyed = batch.filter((i) => i.req.clientMsgId !== null)
    const found = await findPostersAndRetries(
      tx,
      pairs,
      keyed.map((i) => ({ conversationId: i.req.conversationId, senderId: i.req.senderId, clientMsgId: i.req.clientMsgId! })),
    )
    const posters = new Map(found.posters.map((p) => [`${p.conversation_id}\u0000${p.member_id}`, p]))
    const existing = new Map(found.retries.map((m) => [`${m.conversation_id}\u0000${m.sender_id}\u0000${m.client_msg_id}`, m]))

    const now = new Date().toISOString()
    const answers: (() => void)[] = []
    const write: BatchWrite = { messages: [], events: [], conversations: [], readCursors: [], threads: [] }
    const convTouched = new Map<string, BatchWrite['conversations'][number]>()
    const cursors = new Map<string, BatchWrite['readCursors'][number]>()
    const threads = new Map<string, BatchWrite['threads'][number]>()

    for (const item of batch) {
      const r = item.req
      const conv = convs.get(r.conversationId)
      const refusal: ParleyError | undefined = !conv
        ? notFound('conversation')
        : postingRefusal(conv, posters.get(`${r.conversationId}\u0000${r.senderId}`))
      if (refusal) {
        answers.push(() => item.reject(refusal))
        continue
      }
      const key = r.clientMsgId === null ? null : `${r.conversationId}\u0000${r.senderId}\u0000${r.clientMsgId}`
      const earlier = key ? existing.get(key) : undefined
      if (earlier) {
        answers.push(() => item.resolve({ message: earlier, created: false }))
        continue
      }
      const seq = ++conv!.last_seq
      const row: MessageRow = {
        conversation_id: r.conversationId,
        seq,
        id: r.id,
        sender_id: r.senderId,
        sender_kind: r.senderKind,
        kind: r.kind,
        content: r.content,
        client_msg_id: r.clientMsgId,
        reply_to_id: r.replyToId,
        thread_root_id: r.threadRootId,
        forward_of: r.forwardOf,
        reply_count: 0,
        last_reply_at: null,
        created_at: now,
        edited_at: null,
        deleted_at: null,
      }
      // A second copy of the same clientMsgId later in this batch gets this message.
      if (key) existing.set(key, row)
      write.messages.push(row)
      const event: StoredEvent = { conversationId: r.conversationId, seq, type: 'message.created', actorId: r.senderId, data: toMessageView(row), createdAt: now }
      write.events.push(event)
      convTouched.set(r.conversationId, { id: r.conversationId, lastSeq: seq, lastMessageSeq: seq, at: now })
      cursors.set(`${r.conversationId}\u0000${r.senderId}`, { conversationId: r.conversationId, memberId: r.senderId, seq })
      if (r.threadRootId) {
        const t = threads.get(r.threadRootId) ?? { rootId: r.threadRootId, replies: 0, at: now }
        t.replies++
        threads.set(r.threadRootId, t)
      }
      answers.push(() => item.resolve({ message: row, created: true }))
    }

    if (write.messages.length) {
      write.conversations = [...convTouched.values()]
      write.readCursors = [...cursors.values()]
      write.threads = [...threads.values()]
      await writeBatch(tx, write)
    }
    return { events: write.events, settle: () => answers.forEach((a) => a()) }
  }
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>()
  for (const t of items) if (!seen.has(key(t))) seen.set(key(t), t)
  return [...seen.values()]
}
