import type { Queryable } from '../store/db.js'
import type { PostingVerdict } from '../conversations/posting-rule.js'
import type { MessageRow } from './messages.sql.js'
import type { EventData } from '../events/event-types.js'

/** One send of a batch: the message row to create (its seq is assigned by the batch). */
export interface BatchSend {
  row: Omit<MessageRow, 'seq'>
  /**
   * The message's view (seq 0 until the batch assigns it). `parley_send_batch` stores it, with
   * the seq merged in, as the `message.created` event: typed as that event's catalogue payload.
   */
  view: EventData<'message.created'>
}

/** A root's `message.updated`, appended by the batch after its replies (migration 0007, step 3). */
export interface ThreadEvent {
  conversationId: string
  seq: number
  actorId: string | null
  data: EventData<'message.updated'>
}

export type BatchOutcome =
  | { outcome: 'created'; seq: number }
  | { outcome: 'retry'; existing: MessageRow }
  | { outcome: 'duplicate' }
  | { outcome: Exclude<PostingVerdict, null> | 'not_found' }

/**
 * Commits a whole batch of sends in one statement — one round trip, its own transaction — by
 * calling `parley_send_batch` (migrations 0002, 0005, 0007): locks the conversations in id
 * order, judges each send under the lock (membership and rights, earlier clientMsgIds), assigns
 * seqs in arrival order and writes messages, events, seqs and read cursors; then, for the
 * roots the batch replied to, their thread summaries, their followers' thread cursors and one
 * `message.updated` of each root. Answers one outcome per send, in the given order, and those
 * root events.
 */
export async function sendBatch(q: Queryable, sends: BatchSend[], at: string): Promise<{ outcomes: BatchOutcome[]; threadEvents: ThreadEvent[] }> {
  const r = sends.map((s) => s.row)
  const rows = await q.query<{ ord: number; outcome: string; seq: number | null; existing: MessageRow | null }>(
    `SELECT ord, outcome, seq, existing FROM parley_send_batch(
       $1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::uuid[], $9::uuid[], $10::text[]::jsonb[], $11::text[]::jsonb[], $12::text[]::jsonb[], $13::timestamptz)`,
    [
      r.map((m) => m.conversation_id),
      r.map((m) => m.id),
      r.map((m) => m.sender_id),
      r.map((m) => m.sender_kind),
      r.map((m) => m.kind),
      r.map((m) => m.content),
      r.map((m) => m.client_msg_id),
      r.map((m) => m.reply_to_id),
      r.map((m) => m.thread_root_id),
      r.map((m) => (m.forward_of ? JSON.stringify(m.forward_of) : null)),
      r.map((m) => JSON.stringify(m.mentions)),
      sends.map((s) => JSON.stringify(s.view)),
      at,
    ],
  )
  const threadEvents: ThreadEvent[] = []
  const outcomes: BatchOutcome[] = []
  for (const row of rows) {
    if (row.outcome === 'thread') {
      const t = row.existing as unknown as Omit<ThreadEvent, 'seq'>
      threadEvents.push({ conversationId: t.conversationId, seq: row.seq!, actorId: t.actorId, data: t.data })
    } else if (row.outcome === 'created') outcomes.push({ outcome: 'created', seq: row.seq! })
    else if (row.outcome === 'retry') outcomes.push({ outcome: 'retry', existing: row.existing! })
    else outcomes.push({ outcome: row.outcome } as BatchOutcome)
  }
  return { outcomes, threadEvents }
}
