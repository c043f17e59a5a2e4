import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { invalid } from '../ops/errors.js'
import { Input, Nullable, Seq, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import { appendEvent } from '../events/event-log.sql.js'
import { Message } from './messages.schemas.js'
import { findMessageById, type MessageRow } from './messages.sql.js'
import { messageViewsFor } from './message-views.js'
import { loadMessageFor, lockMessageFor } from './message-access.js'
import { advanceThreadCursor, countUnreadThreads, findThreadCursor, hasReplyBeyond, listRepliesAfter, listRepliesBefore } from './threads.sql.js'
import type { Queryable } from '../store/db.js'

/** The root of the thread `msg` belongs to (itself when it is a root); undefined when that root was hard-deleted. */
async function rootOf(q: Queryable, msg: MessageRow): Promise<MessageRow | undefined> {
  return msg.thread_root_id ? findMessageById(q, msg.thread_root_id) : msg
}

export const listThreadOp = defineOp({
  id: 'list-thread',
  path: '/v1/messages/{id}/thread/list',
  tag: 'messages',
  summary: 'A page of a thread’s replies, oldest first, with the root',
  description:
    '`id` names the root, or any reply of the thread (then its thread is listed). Whoever may read the conversation. ' +
    'At most one of `before` (replies with seq < before: the page just older) and `after` (seq > after); neither: ' +
    'the newest page. `page.hasBefore` / `hasAfter` say whether older / newer replies exist beyond this page. ' +
    'Default limit 50, at most 200. `data` holds replies only; `root` is the root message as the caller sees it ' +
    '(null when the root was hard-deleted: its replies survive). Deleted replies keep their place as tombstones, ' +
    'as in list-messages.',
  callers: ['server', 'user', 'agent'],
  input: Input({
    id: Uuid('the root, or a reply of the thread'),
    before: Type.Optional(Seq('replies strictly before this seq')),
    after: Type.Optional(Seq('replies strictly after this seq')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  }),
  output: Type.Object({
    root: Nullable(Message),
    data: Type.Array(Message),
    page: Type.Object({ hasBefore: Type.Boolean(), hasAfter: Type.Boolean() }),
  }),
  async run(ctx, input) {
    if (input.before !== undefined && input.after !== undefined) {
      throw invalid('give at most one of before and after', [
        { path: 'before', message: 'conflicts with after' },
        { path: 'after', message: 'conflicts with before' },
      ])
    }
    const db = ctx.services.db
    const { msg } = await loadMessageFor(db, ctx.actor, input.id, 'read')
    const rootId = msg.thread_root_id ?? msg.id
    const root = await rootOf(db, msg)
    const limit = input.limit ?? 50
    let rows: MessageRow[]
    let hasBefore: boolean
    let hasAfter: boolean
    if (input.after !== undefined) {
      rows = await listRepliesAfter(db, rootId, input.after, limit + 1)
      hasAfter = rows.length > limit
      rows = rows.slice(0, limit)
      hasBefore = await hasReplyBeyond(db, rootId, rows.length ? rows[0].seq : input.after + 1, true)
    } else {
      rows = await listRepliesBefore(db, rootId, input.before ?? null, limit + 1)
      hasBefore = rows.length > limit
      rows = rows.slice(0, limit).reverse()
      hasAfter = input.before !== undefined && (await hasReplyBeyond(db, rootId, rows.length ? rows[rows.length - 1].seq : input.before - 1, false))
    }
    const views = await messageViewsFor(db, ctx.actor, root ? [root, ...rows] : rows)
    return { root: root ? views[0] : null, data: root ? views.slice(1) : views, page: { hasBefore, hasAfter } }
  },
})

export const ThreadReadState = Type.Object({
  threadRootId: Type.String(),
  following: Type.Boolean({ description: 'whether the caller follows the thread (only followers have a thread cursor)' }),
  lastReadSeq: Nullable(Type.Integer({ description: 'the caller’s cursor in the thread after the call; null when not following' })),
  unreadThreadCount: Type.Integer({ description: 'the caller’s unread threads in this conversation after the call (capped at 1000)' }),
})

export const markThreadReadOp = defineOp({
  id: 'mark-thread-read',
  path: '/v1/messages/{id}/thread/read',
  tag: 'reads',
  summary: 'Move the caller’s read cursor in a thread forward',
  description:
    '`id` names the root, or any reply of the thread. Members only (a reader who is not a member: 403). Only a ' +
    'thread the caller follows has a cursor: they wrote the root or a reply, or were mentioned in one (explicitly; ' +
    '`@all` / `@here` do not make anyone follow). For another thread the call changes nothing and answers ' +
    '`following: false`. `seq` defaults to the thread’s newest reply; a `seq` past it counts as it. The cursor only ' +
    'moves forward; when it moves, emits `thread.read.updated` `{ userId, threadRootId, lastReadSeq, unreadThreadCount }` ' +
    '(so the member’s other devices follow). Reading a thread does not move the conversation’s read cursor, nor the ' +
    'reverse. Answers `{ threadRootId, following, lastReadSeq, unreadThreadCount }`.',
  callers: ['user', 'agent'],
  input: Input({ id: Uuid('the root, or a reply of the thread'), seq: Type.Optional(Seq('the position read up to; default the newest reply')) }),
  output: ThreadReadState,
  async run(ctx, { id, seq }) {
    return transact(ctx, async (tx) => {
      // Lock order: the conversation row first, then thread cursors (as the send batch does).
      const { conv, member, msg } = await lockMessageFor(tx, ctx.actor, id, 'member')
      const me = member!.member_id
      const threadRootId = msg.thread_root_id ?? msg.id
      const cursor = await findThreadCursor(tx, conv.id, me, threadRootId)
      if (cursor === undefined) {
        return { threadRootId, following: false, lastReadSeq: null, unreadThreadCount: await countUnreadThreads(tx, conv.id, me) }
      }
      const newest = (await rootOf(tx, msg))?.last_reply_seq ?? 0
      const target = Math.min(seq ?? newest, newest)
      let lastReadSeq = cursor
      if (target > cursor) {
        lastReadSeq = target
        await advanceThreadCursor(tx, conv.id, me, threadRootId, target)
        const unreadThreadCount = await countUnreadThreads(tx, conv.id, me)
        await appendEvent(tx, { id: conv.id, lastSeq: conv.last_seq }, {
          type: 'thread.read.updated',
          actorId: me,
          data: { userId: me, threadRootId, lastReadSeq, unreadThreadCount },
        })
        return { threadRootId, following: true, lastReadSeq, unreadThreadCount }
      }
      return { threadRootId, following: true, lastReadSeq, unreadThreadCount: await countUnreadThreads(tx, conv.id, me) }
    })
  },
})

export const threadsOps = [listThreadOp, markThreadReadOp]
