import { defineOp } from '../ops/define-op.js'
import { conflict, forbidden } from '../ops/errors.js'
import { Cursor, Input, Limit, Page, Uuid } from '../ops/schemas.js'
import type { OpContext } from '../ops/context.js'
import { transact } from '../ops/transaction.js'
import { Type } from '@sinclair/typebox'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { iso } from '../lib/time.js'
import { assertWritable, loadConversationFor, type ConversationAccess } from '../conversations/access.js'
import { actorIdOf } from '../conversations/conversation-writes.js'
import { appendEvent } from '../events/event-log.sql.js'
import { Message } from './messages.schemas.js'
import { messageViewFor, messageViewsFor } from './message-views.js'
import { lockMessageFor } from './message-access.js'
import { countPins, deletePin, insertPin, listPinnedMessages } from './pins.sql.js'

/** Most pinned messages one conversation holds (409 beyond). */
export const MAX_PINS = 100

/**
 * Who may pin and unpin (API.md, Rich messages): in dms and groups any member (a locked group
 * too: pinning is not posting), in channels admins and members allowed to post, and the server
 * key. Readers who are not members (public channels, an agent's owner) may not.
 */
function assertMayPin(a: ConversationAccess): void {
  if (a.access === 'server') return
  if (a.access !== 'member' || !a.member) throw forbidden('only members may pin messages')
  if (a.conv.type === 'channel' && a.member.role !== 'admin' && !a.member.can_post) {
    throw forbidden('in a channel only admins and members allowed to post may pin messages')
  }
}

const WHO =
  'In dms and groups any member; in channels admins and members allowed to post; the server key. ' +
  'A message the caller cannot see is 404; a public channel’s non-members and read-only channel members ' +
  'get 403; an archived conversation is read-only (409).'

async function changePin(ctx: OpContext, id: string, pin: boolean) {
  const msg = await transact(ctx, async (tx) => {
    const a = await lockMessageFor(tx, ctx.actor, id, 'read')
    assertMayPin(a)
    assertWritable(a.conv)
    const { conv, msg } = a
    const cursor = { id: conv.id, lastSeq: conv.last_seq }
    const by = actorIdOf(ctx.actor)
    if (pin) {
      if (msg.deleted_at) throw conflict('the message is deleted')
      const at = new Date()
      if (await insertPin(tx, { messageId: msg.id, conversationId: conv.id, pinnedBy: by, at: at.toISOString() })) {
        // Counted under the lock, with the new pin: the rollback undoes it.
        if ((await countPins(tx, conv.id)) > MAX_PINS) throw conflict(`a conversation holds at most ${MAX_PINS} pinned messages`)
        const message = await messageViewFor(tx, null, msg)
        await appendEvent(tx, cursor, { type: 'message.pinned', actorId: by, data: { messageId: msg.id, pinnedBy: by, pinnedAt: message.pinnedAt!, message } }, at)
      }
    } else {
      const removed = await deletePin(tx, msg.id)
      if (removed) {
        await appendEvent(tx, cursor, { type: 'message.unpinned', actorId: by, data: { messageId: msg.id, unpinnedBy: by, pinnedAt: iso(removed.pinned_at)! } })
      }
    }
    return msg
  })
  // Read after the commit: the conversation's lock is held no longer than the change needs.
  return messageViewFor(ctx.services.db, ctx.actor, msg)
}

export const pinMessageOp = defineOp({
  id: 'pin-message',
  path: '/v1/messages/{id}/pin',
  tag: 'messages',
  summary: 'Pin a message to its conversation',
  description:
    `${WHO} Pinning a pinned message changes nothing and emits nothing; a deleted message cannot be ` +
    `pinned (409); a conversation holds at most ${MAX_PINS} pins (409 beyond). Emits \`message.pinned\` ` +
    '`{ messageId, pinnedBy, pinnedAt, message }`. Answers the message as the caller sees it, with `pinnedAt` and `pinnedBy`.',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid() }),
  output: Message,
  run: (ctx, { id }) => changePin(ctx, id, true),
})

export const unpinMessageOp = defineOp({
  id: 'unpin-message',
  path: '/v1/messages/{id}/unpin',
  tag: 'messages',
  summary: 'Unpin a message',
  description:
    `${WHO} Anyone who may pin may unpin any pin. Unpinning a message that is not pinned changes nothing ` +
    'and emits nothing. Emits `message.unpinned` `{ messageId, unpinnedBy, pinnedAt }`. Answers the message as the caller sees it.',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid() }),
  output: Message,
  run: (ctx, { id }) => changePin(ctx, id, false),
})

export const listPinnedMessagesOp = defineOp({
  id: 'list-pinned-messages',
  path: '/v1/conversations/{id}/pins/list',
  tag: 'messages',
  summary: 'The pinned messages of a conversation, newest pin first',
  description:
    'Whoever may read the conversation. Each message carries `pinnedAt` and `pinnedBy` (null when the ' +
    `server key pinned it). Keyset-paged; default limit 50, at most ${MAX_PINS} (a conversation holds at most ${MAX_PINS} pins).`,
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid(), cursor: Type.Optional(Cursor()), limit: Type.Optional(Limit(50, MAX_PINS)) }),
  output: Page(Message),
  async run(ctx, input) {
    const db = ctx.services.db
    const { conv } = await loadConversationFor(db, ctx.actor, input.id, 'read')
    const limit = input.limit ?? 50
    const after = input.cursor ? decodeCursor(input.cursor, ['timestamp', 'uuid'] as const) : undefined
    const rows = await listPinnedMessages(db, conv.id, after, limit + 1)
    const page = rows.slice(0, limit)
    const hasMore = rows.length > limit
    const last = page[page.length - 1]
    return {
      data: await messageViewsFor(db, ctx.actor, page),
      page: { hasMore, ...(hasMore ? { nextCursor: encodeCursor([iso(last.pin_pinned_at)!, last.pin_message_id]) } : {}) },
    }
  },
})

export const pinsOps = [pinMessageOp, unpinMessageOp, listPinnedMessagesOp]
