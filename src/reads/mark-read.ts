import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { Input, Seq, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import { appendEvent } from '../events/event-log.sql.js'
import { lockConversationFor } from '../conversations/access.js'
import { advanceReadCursor, countUnread } from './reads.sql.js'

export const ReadState = Type.Object({
  lastReadSeq: Type.Integer({ description: 'the caller’s read cursor after the call' }),
  unreadCount: Type.Integer({ description: 'messages from others after lastReadSeq (capped at 1000)' }),
})

export const markConversationReadOp = defineOp({
  id: 'mark-conversation-read',
  path: '/v1/conversations/{id}/read',
  tag: 'reads',
  summary: 'Move the caller’s read cursor forward to `seq`',
  description:
    'Members only (a reader who is not a member: 403); works in archived conversations too. The cursor only ' +
    'moves forward: a `seq` at or below it changes nothing and answers the current state; a `seq` past the ' +
    'conversation’s `lastSeq` counts as `lastSeq`. When it moves, emits `read.updated` `{ userId, lastReadSeq }` ' +
    '(so the member’s other devices and read receipts follow). That event takes a seq of its own: pass the seq of ' +
    'the last message shown, not the seq of the last event seen, or every read would cause another. Answers ' +
    '`{ lastReadSeq, unreadCount }`; own messages are never unread.',
  callers: ['user', 'agent'],
  input: Input({ id: Uuid(), seq: Seq('the position read up to') }),
  output: ReadState,
  async run(ctx, { id, seq }) {
    return transact(ctx, async (tx) => {
      // Lock order: the conversation row first, then the member row (as the send queue does).
      const { conv, member } = await lockConversationFor(tx, ctx.actor, id, 'member')
      const m = member!
      const target = Math.min(seq, conv.last_seq)
      let lastReadSeq = m.last_read_seq
      if (target > lastReadSeq) {
        lastReadSeq = target
        await advanceReadCursor(tx, conv.id, m.member_id, target)
        await appendEvent(tx, { id: conv.id, lastSeq: conv.last_seq }, {
          type: 'read.updated',
          actorId: m.member_id,
          data: { userId: m.member_id, lastReadSeq },
        })
      }
      return { lastReadSeq, unreadCount: await countUnread(tx, conv.id, m.member_id, lastReadSeq) }
    })
  },
})
