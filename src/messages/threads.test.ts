import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince } from '../conversations/test-fixtures.js'
import { loadMemberships } from '../realtime/memberships.js'
import { refreshThreadRoot } from './threads.sql.js'
import { messageViewsFor } from './message-views.js'
import { MESSAGE_COLUMNS, type MessageRow } from './messages.sql.js'

describeStores('threads', (h) => {
  /** A group of `n` users (the first is admin) with a root sent by the first. */
  async function thread(n = 3) {
    const users = await h().users(n)
    const g = await createGroup(h(), users[0], users.slice(1))
    const root = await h().ok('send-message', { conversationId: g.id, content: 'root' }, users[0].token)
    return { users, g, root }
  }
  const reply = (convId: string, to: string, token: string, extra: Record<string, unknown> = {}) =>
    h().ok('send-message', { conversationId: convId, content: 'a reply', replyToId: to, ...extra }, token)
  const membership = async (convId: string, token: string) => (await h().ok('get-conversation', { id: convId }, token)).membership

  it('a reply updates its root’s summary by one message.updated of the root, in the same commit', async () => {
    const { users, g, root } = await thread(3)
    const [a, b, c] = users
    const mark = h().events.length
    // c is another member: not in the thread, sees the summary through the root's message.updated.
    const { result: r1 } = await verifyAction(h(), c, () => reply(g.id, root.id, b.token))
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['message.created', 'message.updated'])
    expect(evs.seqs).toEqual([r1.seq, r1.seq + 1])
    expect(evs.data[1]).toMatchObject({
      id: root.id,
      seq: root.seq,
      content: 'root',
      thread: { replyCount: 1, lastReplyAt: r1.createdAt, lastReplySeq: r1.seq, participantIds: [b.id], lastReadSeq: null },
    })
    expect(h().events.slice(mark).find((e) => e.type === 'message.updated')!.actorId).toBe(b.id)
    // A reply to a reply joins the same thread; the root author (a) follows it, others see no cursor.
    const { result: r2 } = await verifyAction(h(), a, () => reply(g.id, r1.id, c.token))
    expect([r2.threadRootId, r2.replyToId]).toEqual([root.id, r1.id])
    const forA = await h().ok('get-message', { id: root.id }, a.token)
    expect(forA.thread).toEqual({ replyCount: 2, lastReplyAt: r2.createdAt, lastReplySeq: r2.seq, participantIds: [b.id, c.id], lastReadSeq: 0 })
    expect((await h().ok('get-message', { id: root.id }, b.token)).thread.lastReadSeq).toBe(r1.seq)
    expect((await h().ok('get-message', { id: root.id }, h().serverKey)).thread.lastReadSeq).toBeNull()
    // Replies stay in the main timeline too, each naming its thread.
    const timeline = await h().ok('list-messages', { conversationId: g.id }, c.token)
    expect(timeline.data.map((m: any) => [m.content, m.threadRootId])).toEqual([['root', null], ['a reply', root.id], ['a reply', root.id]])
  })

  it('lists distinct repliers in order of first reply, at most 10', async () => {
    const users = await h().users(13)
    const g = await createGroup(h(), users[0], users.slice(1))
    const root = await h().ok('send-message', { conversationId: g.id, content: 'who is in?' }, users[0].token)
    await reply(g.id, root.id, users[2].token)
    await reply(g.id, root.id, users[1].token)
    await reply(g.id, root.id, users[2].token)
    for (const u of users.slice(3)) await reply(g.id, root.id, u.token)
    const { thread: t } = await h().ok('get-message', { id: root.id }, users[0].token)
    expect(t.replyCount).toBe(13)
    expect(t.participantIds).toEqual([users[2], users[1], ...users.slice(3, 11)].map((u) => u.id))
  })

  it('concurrent replies: one root event per batch, summaries in order, the reducer exact', async () => {
    const { users, g, root } = await thread(4)
    const mark = h().events.length
    await verifyAction(h(), users[0], () =>
      Promise.all(Array.from({ length: 20 }, (_, i) => reply(g.id, root.id, users[1 + (i % 3)].token, { content: `r${i}` }))),
    )
    const evs = h().eventsSince(mark, g.id)
    const log = await h().db.query<{ seq: number; type: string }>('SELECT seq, type FROM events WHERE conversation_id = $1 AND seq > $2 ORDER BY seq', [g.id, root.seq])
    expect(log.map((r) => [r.seq, r.type])).toEqual(evs.map((e) => [e.seq, e.type]))
    const updates = evs.filter((e) => e.type === 'message.updated').map((e) => (e.data as any).thread.replyCount)
    expect(updates.length).toBeGreaterThanOrEqual(1)
    expect(updates.length).toBeLessThanOrEqual(20)
    expect(updates).toEqual([...updates].sort((x, y) => x - y))
    expect(updates[updates.length - 1]).toBe(20)
    // Every root event follows the replies it counts.
    let replies = 0
    for (const e of evs) {
      if (e.type === 'message.created') replies++
      else expect((e.data as any).thread.replyCount).toBe(replies)
    }
  })

  it('list-thread pages a thread both ways by seq, with its root', async () => {
    const { users, g, root } = await thread(2)
    const [a, b] = users
    const replies: { id: string; seq: number }[] = []
    for (let i = 0; i < 5; i++) replies.push(await reply(g.id, i % 2 ? root.id : replies[i - 1]?.id ?? root.id, (i % 2 ? a : b).token, { content: `r${i}` }))
    await h().ok('send-message', { conversationId: g.id, content: 'not in the thread' }, a.token)
    const seqs = replies.map((r) => r.seq)
    const page = (input: Record<string, unknown>) => h().ok('list-thread', { id: root.id, ...input }, b.token)
    const newest = await page({ limit: 2 })
    expect([newest.data.map((m: any) => m.seq), newest.page]).toEqual([seqs.slice(3), { hasBefore: true, hasAfter: false }])
    expect(newest.root).toEqual(await h().ok('get-message', { id: root.id }, b.token))
    const older = await page({ before: seqs[3], limit: 2 })
    expect([older.data.map((m: any) => m.seq), older.page]).toEqual([seqs.slice(1, 3), { hasBefore: true, hasAfter: true }])
    const oldest = await page({ before: seqs[1], limit: 2 })
    expect([oldest.data.map((m: any) => m.seq), oldest.page]).toEqual([seqs.slice(0, 1), { hasBefore: false, hasAfter: true }])
    const forward = await page({ after: seqs[0], limit: 3 })
    expect([forward.data.map((m: any) => m.seq), forward.page]).toEqual([seqs.slice(1, 4), { hasBefore: true, hasAfter: true }])
    const tail = await page({ after: seqs[3] })
    expect([tail.data.map((m: any) => m.seq), tail.page]).toEqual([seqs.slice(4), { hasBefore: true, hasAfter: false }])
    expect((await page({ after: seqs[4] })).page).toEqual({ hasBefore: true, hasAfter: false })
    expect((await page({ before: seqs[0] })).page).toEqual({ hasBefore: false, hasAfter: true })
    // Named by a reply: the same thread. A message without replies: an empty thread.
    expect(await h().ok('list-thread', { id: replies[2].id }, b.token)).toEqual(await page({}))
    const lone = await h().ok('send-message', { conversationId: g.id, content: 'lonely' }, a.token)
    expect(await h().ok('list-thread', { id: lone.id }, a.token)).toMatchObject({ data: [], page: { hasBefore: false, hasAfter: false }, root: { id: lone.id, thread: null } })
  })

  it('list-thread: validation and who may read', async () => {
    const { users, g, root } = await thread(3)
    const [a, b, c] = users
    const [stranger] = await h().users(1)
    for (const [body, path] of [
      [{ before: 3, after: 1 }, 'before'],
      [{ limit: 0 }, 'limit'],
      [{ limit: 201 }, 'limit'],
      [{ after: -1 }, 'after'],
      [{ cursor: 'x' }, 'cursor'],
    ] as const) {
      const res = await h().call('list-thread', { id: root.id, ...body }, a.token)
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'validation_failed'])
      expect(res.body.errors.map((e: any) => e.path)).toContain(path)
    }
    const missing = await h().call('list-thread', { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }, a.token)
    const hidden = await h().call('list-thread', { id: root.id }, stranger.token)
    expect([missing.status, hidden.status]).toEqual([404, 404])
    expect(hidden.body.detail).toBe(missing.body.detail)
    await h().ok('remove-conversation-member', { id: g.id, userIds: [c.id] }, a.token)
    expect((await h().call('list-thread', { id: root.id }, c.token)).status).toBe(404)
    expect((await h().call('list-thread', { id: root.id }, h().serverKey)).status).toBe(200)
    // A public channel's threads are readable by anyone, like its history.
    const ch = await createChannel(h(), a, [b], { visibility: 'public' })
    const croot = await h().ok('send-message', { conversationId: ch.id, content: 'open' }, a.token)
    await reply(ch.id, croot.id, a.token)
    expect((await h().ok('list-thread', { id: croot.id }, stranger.token)).data).toHaveLength(1)
  })

  it('who follows a thread, and its unread count on memberships and in session.ready', async () => {
    const users = await h().users(5)
    const [a, b, c, d, e] = users
    const g = await createGroup(h(), a, [b, c, d, e])
    const root = await h().ok('send-message', { conversationId: g.id, content: 'root', mentions: [d.id] }, a.token)
    // b replies mentioning c and saying @all: a (root author), b (replier), c (mentioned), d (mentioned in the root) follow; e does not.
    await verifyAction(h(), a, () => reply(g.id, root.id, b.token, { mentions: [c.id], content: 'ping @all' }))
    const counts = async () => Promise.all(users.map(async (u) => (await membership(g.id, u.token)).unreadThreadCount))
    expect(await counts()).toEqual([1, 0, 1, 1, 0])
    const cursors = await Promise.all(users.map(async (u) => (await h().ok('get-message', { id: root.id }, u.token)).thread.lastReadSeq))
    expect(cursors.map((x) => x !== null)).toEqual([true, true, true, true, false])
    // session.ready: the same counts, and a conversation with unread threads only is listed.
    await h().ok('mark-conversation-read', { id: g.id, seq: 1_000_000 }, a.token)
    const ready = (await loadMemberships(h().db, a.id)).ready.unread.find((u) => u.conversationId === g.id)
    expect(ready).toMatchObject({ unreadCount: 0, mentionCount: 0, unreadThreadCount: 1 })
    // A second reply in an unread thread does not count twice; the list agrees with get.
    await verifyAction(h(), a, () => reply(g.id, root.id, c.token))
    expect(await counts()).toEqual([1, 1, 0, 1, 0])
    const listed = (await h().ok('list-conversations', {}, a.token)).data.find((x: any) => x.id === g.id)
    expect(listed.membership.unreadThreadCount).toBe(1)
    // One's own reply reads the thread: a replies, the thread is read for a.
    await verifyAction(h(), a, () => reply(g.id, root.id, a.token))
    expect(await counts()).toEqual([0, 1, 1, 1, 0])
  })

  it('mark-thread-read moves the thread cursor forward only, with thread.read.updated', async () => {
    const { users, g, root } = await thread(3)
    const [a, b, c] = users
    const r1 = await reply(g.id, root.id, b.token)
    const r2 = await reply(g.id, root.id, c.token)
    expect((await membership(g.id, a.token)).unreadThreadCount).toBe(1)
    // Partway: still unread.
    const mark = h().events.length
    const { result: partway, events } = await verifyAction(h(), a, () => h().ok('mark-thread-read', { id: root.id, seq: r1.seq }, a.token))
    expect(partway).toEqual({ threadRootId: root.id, following: true, lastReadSeq: r1.seq, unreadThreadCount: 1 })
    expect(events.map((e) => [e.type, e.data])).toEqual([['thread.read.updated', { userId: a.id, threadRootId: root.id, lastReadSeq: r1.seq, unreadThreadCount: 1 }]])
    // The default is the newest reply; a reply id names its thread too.
    const { result: done } = await verifyAction(h(), a, () => h().ok('mark-thread-read', { id: r1.id }, a.token))
    expect(done).toEqual({ threadRootId: root.id, following: true, lastReadSeq: r2.seq, unreadThreadCount: 0 })
    // Never back, never past the newest reply, no event when it stays.
    const before = h().events.length
    expect(await h().ok('mark-thread-read', { id: root.id, seq: r1.seq }, a.token)).toEqual(done)
    expect(await h().ok('mark-thread-read', { id: root.id, seq: 1_000_000 }, a.token)).toEqual(done)
    expect(h().events.length).toBe(before)
    expect(eventsSince(h(), mark, g.id).types).toEqual(['thread.read.updated', 'thread.read.updated'])
    // Its own cursor only: the conversation's read cursor did not move, nor b's thread cursor.
    expect((await membership(g.id, a.token)).lastReadSeq).toBe(root.seq)
    expect((await h().ok('get-message', { id: root.id }, b.token)).thread.lastReadSeq).toBe(r1.seq)
    // New replies from others make it unread again.
    await verifyAction(h(), a, () => reply(g.id, r2.id, c.token))
    expect((await membership(g.id, a.token)).unreadThreadCount).toBe(1)
    // b's device marks read: a sees the event but nothing of a's changes (verified as a).
    await verifyAction(h(), a, () => h().ok('mark-thread-read', { id: root.id }, b.token))
  })

  it('mark-thread-read: not following, validation and who may call', async () => {
    const { users, g, root } = await thread(3)
    const [a, b, c] = users
    await reply(g.id, root.id, b.token)
    // c neither wrote nor was mentioned: nothing to move, no event.
    const mark = h().events.length
    expect(await h().ok('mark-thread-read', { id: root.id }, c.token)).toEqual({ threadRootId: root.id, following: false, lastReadSeq: null, unreadThreadCount: 0 })
    expect(h().events.length).toBe(mark)
    for (const [body, path] of [
      [{ seq: -1 }, 'seq'],
      [{ seq: 1.5 }, 'seq'],
      [{ seq: '3' }, 'seq'],
      [{ userId: a.id }, 'userId'],
    ] as const) {
      const res = await h().call('mark-thread-read', { id: root.id, ...body }, a.token)
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'validation_failed'])
      expect(res.body.errors.map((e: any) => e.path)).toContain(path)
    }
    expect((await h().call('mark-thread-read', { id: 'nope' }, a.token)).status).toBe(400)
    const [stranger, owner] = await h().users(2)
    const missing = await h().call('mark-thread-read', { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }, a.token)
    const hidden = await h().call('mark-thread-read', { id: root.id }, stranger.token)
    expect([missing.status, hidden.status, hidden.body.detail]).toEqual([404, 404, missing.body.detail])
    expect((await h().call('mark-thread-read', { id: root.id }, h().serverKey)).status).toBe(403)
    // The owner of a member agent reads the conversation but is no member: 403.
    const agent = await h().agent(owner)
    await h().ok('add-conversation-member', { id: g.id, userIds: [agent.id] }, a.token)
    expect((await h().call('mark-thread-read', { id: root.id }, owner.token)).status).toBe(403)
    expect((await h().call('mark-thread-read', { id: root.id }, agent.token)).body).toMatchObject({ following: false })
  })

  it('a thread whose root is not loaded: the reducer names the counts stale instead of guessing', async () => {
    const { users, g, root } = await thread(2)
    const [a, b] = users
    await reply(g.id, root.id, b.token)
    await h().ok('mark-thread-read', { id: root.id }, a.token)
    // A client that loaded no messages of the group (conversationIds: []).
    const unloaded = { conversationIds: [] as string[] }
    await verifyAction(h(), a, () => reply(g.id, root.id, b.token), { ...unloaded, expectStale: [{ conversationId: g.id, what: 'counts' }] })
    // The viewer's own mark-thread-read carries the count: exact again.
    await verifyAction(h(), a, () => h().ok('mark-thread-read', { id: root.id }, a.token), unloaded)
    // Nothing unread in threads: the viewer's own reply changes nothing, known without the root.
    await verifyAction(h(), a, () => reply(g.id, root.id, a.token), unloaded)
  })

  it('refreshThreadRoot recomputes a root after a reply is deleted, with its message.updated', async () => {
    const { users, g, root } = await thread(3)
    const [a, b, c] = users
    const r1 = await reply(g.id, root.id, b.token)
    const r2 = await reply(g.id, root.id, c.token)
    // Deleting the last unread reply by hand, as delete-message does, then refreshing.
    const remove = async (id: string) => {
      const appended = await h().db.transaction(async (tx) => {
        const [conv] = await tx.query<{ id: string; last_seq: number }>('SELECT id, last_seq FROM conversations WHERE id = $1 FOR UPDATE', [g.id])
        await tx.query("UPDATE messages SET deleted_at = now(), content = '' WHERE id = $1", [id])
        await refreshThreadRoot(tx, { id: conv.id, lastSeq: conv.last_seq }, root.id, a.id)
        return tx.appended
      })
      h().parley.services.events.committed(appended)
    }
    await h().ok('mark-thread-read', { id: root.id, seq: r1.seq }, a.token)
    expect((await membership(g.id, a.token)).unreadThreadCount).toBe(1)
    const mark = h().events.length
    await remove(r2.id)
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['message.updated'])
    expect(evs.data[0].thread).toEqual({ replyCount: 1, lastReplyAt: r1.createdAt, lastReplySeq: r1.seq, participantIds: [b.id], lastReadSeq: null })
    expect((await membership(g.id, a.token)).unreadThreadCount).toBe(0)
    // Every reply gone: the summary stays, empty, and the thread is unread for nobody.
    await remove(r1.id)
    expect((await h().ok('get-message', { id: root.id }, a.token)).thread).toEqual({
      replyCount: 0,
      lastReplyAt: null,
      lastReplySeq: null,
      participantIds: [],
      lastReadSeq: r1.seq,
    })
    // A new reply revives it, followers unchanged.
    await verifyAction(h(), a, () => reply(g.id, root.id, c.token))
    expect((await membership(g.id, a.token)).unreadThreadCount).toBe(1)
  })

  it('delete-message: a deleted reply leaves its thread; a deleted root keeps its replies', async () => {
    const { users, g, root } = await thread(3)
    const [a, b, c] = users
    const r1 = await reply(g.id, root.id, b.token)
    const r2 = await reply(g.id, root.id, c.token)
    await h().ok('mark-thread-read', { id: root.id, seq: r1.seq }, a.token)
    // c takes back the only reply a has not read: the thread is read again for a.
    const mark = h().events.length
    await verifyAction(h(), a, () => h().ok('delete-message', { id: r2.id }, c.token))
    expect(eventsSince(h(), mark, g.id).types).toEqual(['message.deleted', 'message.updated'])
    expect((await h().ok('get-message', { id: root.id }, a.token)).thread).toMatchObject({ replyCount: 1, lastReplySeq: r1.seq, participantIds: [b.id], lastReadSeq: r1.seq })
    expect((await membership(g.id, a.token)).unreadThreadCount).toBe(0)
    // A soft-deleted root is a tombstone that keeps its thread and b's cursor in it.
    await reply(g.id, root.id, c.token)
    await verifyAction(h(), b, () => h().ok('delete-message', { id: root.id }, a.token))
    const tomb = await h().ok('list-thread', { id: root.id }, b.token)
    expect([tomb.root.deletedAt !== null, tomb.root.thread.replyCount, tomb.data.length]).toEqual([true, 2, 3])
    expect((await membership(g.id, b.token)).unreadThreadCount).toBe(1)
    // Hard-deleted, its thread leaves every count; the replies stay, reachable through one of them.
    await verifyAction(h(), b, () => h().ok('delete-message', { id: root.id, mode: 'hard' }, a.token))
    expect((await membership(g.id, b.token)).unreadThreadCount).toBe(0)
    const orphans = await h().ok('list-thread', { id: r1.id }, b.token)
    expect([orphans.root, orphans.data.map((m: any) => m.id)]).toEqual([null, [r1.id, r2.id, expect.any(String)]])
  })

  it('parley_message_view (SQL, for root events) builds exactly messageViewFor’s caller-free view', async () => {
    const { users, g, root } = await thread(3)
    const [a, b, c] = users
    const r1 = await reply(g.id, root.id, b.token, { metadata: { card: { title: 'x', n: [1, 2] } }, mentions: [a.id], content: 'hi @all' })
    await reply(g.id, r1.id, c.token)
    await h().ok('add-reaction', { id: root.id, emoji: '👍' }, b.token)
    await h().ok('add-reaction', { id: root.id, emoji: '👍' }, c.token)
    await h().ok('add-reaction', { id: root.id, emoji: ':tada:' }, a.token)
    await h().ok('pin-message', { id: root.id }, a.token)
    const other = await createGroup(h(), a, [b])
    await h().ok('send-message', { conversationId: other.id, content: 'fwd', forwardOf: root.id }, a.token)
    const edited = await h().ok('send-message', { conversationId: g.id, content: 'typo' }, a.token)
    await h().db.query("UPDATE messages SET content = 'fixed', edited_at = now() WHERE id = $1", [edited.id])
    const gone = await h().ok('send-message', { conversationId: g.id, content: 'bye' }, a.token)
    await h().ok('add-reaction', { id: gone.id, emoji: '👍' }, b.token)
    await h().db.query('UPDATE messages SET deleted_at = now() WHERE id = $1', [gone.id])
    await h().ok('add-conversation-member', { id: g.id, userIds: [(await h().user()).id] }, a.token)
    await h().ok('update-conversation', { id: g.id, name: 'renamed' }, a.token)
    const rows = await h().db.query<MessageRow & { sql_view: unknown }>(
      `SELECT ${MESSAGE_COLUMNS}, parley_message_view(m) AS sql_view FROM messages m WHERE conversation_id = ANY ($1::uuid[]) ORDER BY conversation_id, seq`,
      [[g.id, other.id]],
    )
    expect(rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['text', 'system']))
    const views = await messageViewsFor(h().db, null, rows)
    expect(rows.map((r) => r.sql_view)).toEqual(views)
  })
})
