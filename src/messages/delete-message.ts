import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { forbidden, invalidField } from '../ops/errors.js'
import { Cursor, Input, Limit, Nullable, Page, Timestamp, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import type { Tx } from '../store/db.js'
import { assertWritable, loadConversationFor, type ConversationAccess } from '../conversations/access.js'
import { actorIdOf } from '../conversations/conversation-writes.js'
import { appendEvent, type SeqCursor } from '../events/event-log.sql.js'
import type { EventData } from '../events/event-types.js'
import { decodeCursor } from '../lib/cursor.js'
import { keysetPage } from '../lib/page.js'
import { iso } from '../lib/time.js'
import { Message } from './messages.schemas.js'
import { toMessageView, type MessageRow } from './messages.sql.js'
import { messageViewFor } from './message-views.js'
import { lockMessageFor } from './message-access.js'
import { deleteReactionsOfMessage } from './reactions.sql.js'
import { deletePinOfMessage } from './pins.sql.js'
import { deleteEditsOfMessage } from './edits.sql.js'
import { refreshThreadRoot } from './threads.sql.js'
import { insertModeration, listModeration, redactMessageEvents, removeMessage, retreatLastMessage, tombstoneMessage } from './deletes.sql.js'

const Mode = Type.Union([Type.Literal('soft'), Type.Literal('hard')])

export const deleteMessageOp = defineOp({
  id: 'delete-message',
  path: '/v1/messages/{id}/delete',
  tag: 'messages',
  summary: 'Delete a message: a tombstone at its place (soft) or gone (hard)',
  description:
    'The author, an admin of the conversation (moderation) or the server key; another reader gets 403, ' +
    'anyone who may not read the message 404. `mode` defaults to PARLEY_DELETE_MODE (default `soft`). ' +
    'Soft: the message keeps its seq as a tombstone (`content` "", `deletedAt` set); its text, mentions, ' +
    'metadata, edit history, reactions and pin are erased, and it stops counting as unread at once. Hard: ' +
    'the message, its history, reactions and pin are removed; history skips it. Either way the text is ' +
    'also erased from the events that carried it, and `message.deleted` is emitted. Deleting a soft-deleted ' +
    'message again answers the same (no event) unless `mode` is `hard`. A thread root’s replies stay. When ' +
    'someone other than the author deletes, the moderation log records it (list-moderation-log). An archived ' +
    'conversation is read-only (409).',
  callers: ['server', 'user', 'agent'],
  input: Input({
    id: Uuid(),
    mode: Type.Optional(Mode),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'why; shown to members in the event and kept in the moderation log' })),
  }),
  output: Type.Object(
    { messageId: Type.String(), mode: Mode, deletedAt: Timestamp(), message: Nullable(Message) },
    { description: '`message`: the tombstone after a soft delete, null after a hard one' },
  ),
  async run(ctx, input) {
    const actor = ctx.actor
    return transact(ctx, async (tx) => {
      const { msg, conv, member, access } = await lockMessageFor(tx, actor, input.id, 'read')
      // Parley's own (system) messages have no author: only moderators delete them.
      const author = actor.kind !== 'server' && msg.kind !== 'system' && actor.id === msg.sender_id
      if (!author && !moderates({ access, member })) throw forbidden('only the author or an admin of the conversation may delete a message')
      assertWritable(conv)
      const mode = input.mode ?? ctx.services.config.deleteMode
      if (msg.deleted_at && mode === 'soft') {
        return { messageId: msg.id, mode, deletedAt: iso(msg.deleted_at)!, message: await messageViewFor(tx, actor, msg) }
      }
      const at = new Date().toISOString()
      const cursor: SeqCursor = { id: conv.id, lastSeq: conv.last_seq }
      const tombstone = await erase(tx, msg, mode, at)
      const data: EventData<'message.deleted'> = { messageId: msg.id, seq: msg.seq, mode, deletedBy: actorIdOf(actor), ...(input.reason ? { reason: input.reason } : {}) }
      if (tombstone) data.message = await messageViewFor(tx, null, tombstone)
      else if (conv.last_message_seq === msg.seq) {
        // As conversation views show their last message: a preview, without reactions or pin.
        const last = await retreatLastMessage(tx, conv.id)
        data.lastMessage = last && toMessageView(last)
      }
      if (!author) {
        await insertModeration(tx, {
          conversationId: conv.id, messageId: msg.id, seq: msg.seq, authorId: msg.sender_id,
          deletedBy: actorIdOf(actor), reason: input.reason ?? null, mode, at,
        })
      }
      await appendEvent(tx, cursor, { type: 'message.deleted', actorId: actorIdOf(actor), data })
      // A reply leaves its thread: the root's summary counts the replies that are left.
      if (msg.thread_root_id) await refreshThreadRoot(tx, cursor, msg.thread_root_id, actorIdOf(actor))
      return { messageId: msg.id, mode, deletedAt: iso(tombstone?.deleted_at) ?? at, message: tombstone ? await messageViewFor(tx, actor, tombstone) : null }
    })
  },
})

/** Admins of the conversation and the server key delete others' messages. */
function moderates({ access, member }: Pick<ConversationAccess, 'access' | 'member'>): boolean {
  return access === 'server' || member?.role === 'admin'
}

/**
 * Everything of the message that a delete erases, in the caller's transaction under the
 * conversation's lock: its history, reactions and pin, its text in the log, and the row itself
 * (hard) or its content (soft). Answers the tombstone of a soft delete.
 */
async function erase(tx: Tx, msg: MessageRow, mode: 'soft' | 'hard', at: string): Promise<MessageRow | undefined> {
  await deleteEditsOfMessage(tx, msg.id)
  await deleteReactionsOfMessage(tx, msg.id)
  await deletePinOfMessage(tx, msg.id)
  await redactMessageEvents(tx, msg.conversation_id, msg.seq, msg.id, iso(msg.deleted_at) ?? at)
  if (mode === 'hard') return void (await removeMessage(tx, msg.id))
  return tombstoneMessage(tx, msg.id, at)
}

const ModerationEntry = Type.Object({
  messageId: Type.String(),
  seq: Type.Integer({ description: 'where the message was' }),
  authorId: Type.String({ description: 'who wrote the message' }),
  deletedBy: Nullable(Type.String({ description: 'who deleted it; null for the server key' })),
  reason: Nullable(Type.String()),
  mode: Mode,
  deletedAt: Timestamp(),
})

export const listModerationLogOp = defineOp({
  id: 'list-moderation-log',
  path: '/v1/conversations/{id}/moderation/list',
  tag: 'messages',
  summary: 'Deletes of members’ messages by others (moderation), newest first',
  description:
    'Admins of the conversation and the server key. One entry per delete of a message by someone other than ' +
    'its author (an admin or the server key): whose message, where, who deleted it, why and how. Never the ' +
    'deleted text. Default limit 50, at most 200.',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid(), cursor: Type.Optional(Cursor()), limit: Type.Optional(Limit(50, 200)) }),
  output: Page(ModerationEntry),
  async run(ctx, input) {
    const db = ctx.services.db
    const { conv } = await loadConversationFor(db, ctx.actor, input.id, 'admin')
    const limit = input.limit ?? 50
    const rows = await listModeration(db, conv.id, input.cursor ? entryCursor(input.cursor) : null, limit + 1)
    return keysetPage(
      rows,
      limit,
      (r) => ({ messageId: r.message_id, seq: r.seq, authorId: r.author_id, deletedBy: r.deleted_by, reason: r.reason, mode: r.mode, deletedAt: iso(r.deleted_at)! }),
      (last) => [String(last.id)],
    )
  },
})

/** A cursor is [entry id], the last entry of the previous page. */
function entryCursor(cursor: string): number {
  const [v] = decodeCursor(cursor, ['string'] as const)
  if (!/^[1-9]\d{0,15}$/.test(v)) throw invalidField('cursor', 'is not a cursor this service issued')
  return Number(v)
}
