import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { fetchState, verifyAction } from '../../test/verify-action.js'
import { diff, formatDiff } from '../../test/state-diff.js'
import { applyEvents } from '../../packages/client/src/reducer.js'
import { createChannel, createGroup, eventsSince } from '../conversations/test-fixtures.js'

const MISSING = '0190c0de-0000-7000-8000-000000000000'

describeStores('delete-message and list-moderation-log', (h) => {
  async function group(n = 3) {
    const users = await h().users(n)
    const conv = await createGroup(h(), users[0], users.slice(1))
    return { conv, users }
  }
  const send = (conversationId: string, token: string, body: Record<string, unknown> = {}) =>
    h().ok('send-message', { conversationId, content: 'doomed', ...body }, token)
  const row = async (id: string) => (await h().db.query<any>('SELECT content, mentions, metadata, deleted_at FROM messages WHERE id = $1', [id]))[0]
  /** Events of the log that still hold `word` anywhere in their data. */
  const leaks = async (conversationId: string, word: string) =>
    (await h().db.query<{ type: string }>(`SELECT type FROM events WHERE conversation_id = $1 AND strpos(data::text, $2) > 0 ORDER BY seq`, [conversationId, word])).map((r) => r.type)

  it('soft (the default), by the author: a tombstone at the same seq; text, mentions, metadata, history, reactions and pin erased; unread drops at once', async () => {
    const { conv, users: [a, b, c] } = await group()
    const msg = await send(conv.id, b.token, { content: `secret for @${c.id}`, metadata: { k: 1 } })
    await h().ok('edit-message', { id: msg.id, content: `still secret for @${c.id}` }, b.token)
    await h().ok('add-reaction', { id: msg.id, emoji: '👍' }, c.token)
    await h().ok('pin-message', { id: msg.id }, a.token)
    // Events whose conversation view shows it as the last message carry its text too.
    await h().ok('update-conversation', { id: conv.id, description: 'renamed while it was the last' }, a.token)
    expect(await leaks(conv.id, 'secret')).toEqual(['message.created', 'message.updated', 'message.pinned', 'conversation.updated'])
    expect((await h().ok('get-conversation', { id: conv.id }, c.token)).membership).toMatchObject({ unreadCount: 1, mentionCount: 1 })
    const mark = h().events.length
    const { result } = await verifyAction(h(), c, () => h().ok('delete-message', { id: msg.id }, b.token))
    const tomb = { ...msg, content: '', mentions: [], metadata: null, editedAt: null, deletedAt: result.deletedAt, reactions: {}, pinnedAt: null, pinnedBy: null }
    expect(result).toEqual({ messageId: msg.id, mode: 'soft', deletedAt: expect.any(String), message: tomb })
    const ev = eventsSince(h(), mark, conv.id)
    expect(ev.types).toEqual(['message.deleted'])
    expect(ev.data[0]).toEqual({ messageId: msg.id, seq: msg.seq, mode: 'soft', deletedBy: b.id, message: tomb })
    expect((await h().ok('get-conversation', { id: conv.id }, c.token)).membership).toMatchObject({ unreadCount: 0, mentionCount: 0 })
    expect(await h().ok('get-message', { id: msg.id }, a.token)).toEqual(tomb)
    expect((await h().ok('list-messages', { conversationId: conv.id }, a.token)).data.find((m: any) => m.id === msg.id)).toEqual(tomb)
    expect((await h().ok('list-pinned-messages', { id: conv.id }, a.token)).data).toEqual([])
    expect((await h().ok('list-reactions', { id: msg.id }, a.token)).data).toEqual([])
    expect((await h().ok('list-message-edits', { id: msg.id }, a.token)).data).toEqual([])
    // Erased, not hidden: neither the row nor any event of the log keeps the text.
    expect(await row(msg.id)).toMatchObject({ content: '', mentions: [], metadata: null })
    expect(await leaks(conv.id, 'secret')).toEqual([])
    // Nobody's moderation: the author deleted their own message.
    expect((await h().ok('list-moderation-log', { id: conv.id }, a.token)).data).toEqual([])
  })

  it('deleting again: a soft delete answers the same without an event; hard removes the tombstone; then 404', async () => {
    const { conv, users: [a, b] } = await group(2)
    const msg = await send(conv.id, b.token)
    const first = await h().ok('delete-message', { id: msg.id }, b.token)
    const mark = h().events.length
    expect(await h().ok('delete-message', { id: msg.id, mode: 'soft' }, b.token)).toEqual(first)
    expect(await h().ok('delete-message', { id: msg.id }, a.token)).toEqual(first)
    expect(eventsSince(h(), mark, conv.id).types).toEqual([])
    const { result: hard } = await verifyAction(h(), a, () => h().ok('delete-message', { id: msg.id, mode: 'hard' }, b.token))
    expect(hard).toMatchObject({ messageId: msg.id, mode: 'hard', message: null })
    expect(eventsSince(h(), mark, conv.id).data.map((d) => d.mode)).toEqual(['hard'])
    expect((await h().call('delete-message', { id: msg.id, mode: 'hard' }, b.token)).status).toBe(404)
    expect((await h().call('get-message', { id: msg.id }, a.token)).status).toBe(404)
  })

  it('hard: the message, its history, reactions and pin are gone; history skips it; the last message steps back', async () => {
    const { conv, users: [a, b, c] } = await group()
    const before = await send(conv.id, a.token, { content: 'stays' })
    const msg = await send(conv.id, b.token, { content: `secret @${c.id}` })
    await h().ok('edit-message', { id: msg.id, content: 'secret, edited' }, b.token)
    await h().ok('add-reaction', { id: msg.id, emoji: ':tada:' }, c.token)
    await h().ok('pin-message', { id: msg.id }, c.token)
    const mark = h().events.length
    const { result } = await verifyAction(h(), c, () => h().ok('delete-message', { id: msg.id, mode: 'hard' }, b.token))
    expect(result).toMatchObject({ messageId: msg.id, mode: 'hard', message: null })
    const ev = eventsSince(h(), mark, conv.id)
    expect(ev.data[0]).toEqual({ messageId: msg.id, seq: msg.seq, mode: 'hard', deletedBy: b.id, lastMessage: before })
    expect(await row(msg.id)).toBeUndefined()
    const list = await h().ok('list-messages', { conversationId: conv.id }, c.token)
    expect(list.data.map((m: any) => m.id)).not.toContain(msg.id)
    expect(list.data.map((m: any) => m.id)).toContain(before.id)
    const view = await h().ok('get-conversation', { id: conv.id }, c.token)
    expect(view.lastMessage.id).toBe(before.id)
    expect(view.membership).toMatchObject({ unreadCount: 1, mentionCount: 0 })
    for (const table of ['message_edits', 'message_reactions', 'message_pins']) {
      expect((await h().db.query(`SELECT count(*)::int AS n FROM ${table} WHERE message_id = $1`, [msg.id]))[0], table).toEqual({ n: 0 })
    }
    expect(await leaks(conv.id, 'secret')).toEqual([])
    // The message that became the last one is in that event: deleting it erases it there too.
    expect(await leaks(conv.id, 'stays')).toEqual(['message.created', 'message.deleted'])
    await h().ok('delete-message', { id: before.id }, a.token)
    expect(await leaks(conv.id, 'stays')).toEqual([])
    // The only message, hard-deleted: no last message at all.
    const { conv: lone, users: [x, y] } = await group(2)
    const only = await send(lone.id, x.token)
    await verifyAction(h(), y, () => h().ok('delete-message', { id: only.id, mode: 'hard' }, x.token))
    expect((await h().ok('get-conversation', { id: lone.id }, y.token)).lastMessage).toBeNull()
  })

  it('PARLEY_DELETE_MODE=hard makes hard the default; `mode` still chooses', async () => {
    const { conv, users: [a, b] } = await group(2)
    const one = await send(conv.id, b.token)
    const two = await send(conv.id, b.token)
    const config = h().parley.services.config
    config.deleteMode = 'hard'
    try {
      expect((await h().ok('delete-message', { id: one.id }, b.token)).mode).toBe('hard')
      expect((await h().ok('delete-message', { id: two.id, mode: 'soft' }, b.token)).mode).toBe('soft')
    } finally {
      config.deleteMode = 'soft'
    }
    expect(await row(one.id)).toBeUndefined()
    expect((await h().ok('get-message', { id: two.id }, a.token)).deletedAt).not.toBeNull()
  })

  it('moderation: an admin deletes another’s message with a reason, recorded in the log only admins read', async () => {
    const [admin, author, member, stranger, owner] = await h().users(5)
    const agent = await h().agent(owner)
    const conv = await createGroup(h(), admin, [author, member, agent])
    const msg = await send(conv.id, author.token, { content: 'spam spam' })
    const mark = h().events.length
    const { result } = await verifyAction(h(), author, () => h().ok('delete-message', { id: msg.id, reason: 'spam' }, admin.token))
    expect(result.mode).toBe('soft')
    expect(eventsSince(h(), mark, conv.id).data[0]).toMatchObject({ messageId: msg.id, mode: 'soft', deletedBy: admin.id, reason: 'spam' })
    const other = await send(conv.id, member.token)
    await verifyAction(h(), member, () => h().ok('delete-message', { id: other.id, mode: 'hard' }, h().serverKey))
    const log = await h().ok('list-moderation-log', { id: conv.id }, admin.token)
    expect(log).toEqual({
      data: [
        { messageId: other.id, seq: other.seq, authorId: member.id, deletedBy: null, reason: null, mode: 'hard', deletedAt: expect.any(String) },
        { messageId: msg.id, seq: msg.seq, authorId: author.id, deletedBy: admin.id, reason: 'spam', mode: 'soft', deletedAt: result.deletedAt },
      ],
      page: { hasMore: false },
    })
    const page1 = await h().ok('list-moderation-log', { id: conv.id, limit: 1 }, h().serverKey)
    expect(page1.data.map((e: any) => e.messageId)).toEqual([other.id])
    const page2 = await h().ok('list-moderation-log', { id: conv.id, limit: 1, cursor: page1.page.nextCursor }, h().serverKey)
    expect([page2.data.map((e: any) => e.messageId), page2.page.hasMore]).toEqual([[msg.id], false])
    expect((await h().call('list-moderation-log', { id: conv.id, cursor: 'bm9wZQ' }, admin.token)).status).toBe(400)
    for (const t of [member.token, author.token, agent.token, owner.token]) expect((await h().call('list-moderation-log', { id: conv.id }, t)).status).toBe(403)
    const hidden = await h().call('list-moderation-log', { id: conv.id }, stranger.token)
    const missing = await h().call('list-moderation-log', { id: MISSING }, stranger.token)
    expect([hidden.status, hidden.body]).toEqual([404, missing.body])
  })

  it('who may delete: author, admin, server key; other readers 403; non-readers 404 like a missing message', async () => {
    const [admin, author, member, stranger, owner] = await h().users(5)
    const agent = await h().agent(owner)
    const conv = await createGroup(h(), admin, [author, member, agent])
    const msg = await send(conv.id, author.token)
    for (const t of [member.token, agent.token, owner.token]) {
      const res = await h().call('delete-message', { id: msg.id }, t)
      expect([res.status, res.body.code]).toEqual([403, 'forbidden'])
    }
    const hidden = await h().call('delete-message', { id: msg.id }, stranger.token)
    const missing = await h().call('delete-message', { id: MISSING }, stranger.token)
    expect([hidden.status, hidden.body]).toEqual([404, missing.body])
    const byAgent = await send(conv.id, agent.token)
    expect((await h().ok('delete-message', { id: byAgent.id }, agent.token)).mode).toBe('soft')
    // A public channel's former member still reads it and may delete their own message.
    const channel = await createChannel(h(), admin, [member], { visibility: 'public' })
    await h().ok('update-conversation-member', { id: channel.id, userId: member.id, canPost: true }, admin.token)
    const posted = await send(channel.id, member.token)
    await h().ok('leave-conversation', { id: channel.id }, member.token)
    expect((await h().ok('delete-message', { id: posted.id }, member.token)).mode).toBe('soft')
    // Archived conversations are read-only, for moderators too.
    const late = await send(conv.id, author.token)
    await h().ok('archive-conversation', { id: conv.id }, admin.token)
    for (const t of [author.token, admin.token]) expect((await h().call('delete-message', { id: late.id }, t)).status).toBe(409)
  })

  it('system messages have no author: a participant whose id is `system` neither edits nor deletes them; moderators delete them', async () => {
    await h().ok('upsert-user', { id: 'system', name: 'Not Parley' }, h().serverKey)
    const impostor = await h().ok('create-token', { userId: 'system' }, h().serverKey)
    const [admin, b] = await h().users(2)
    const conv = await createGroup(h(), admin, [b])
    await h().ok('add-conversation-member', { id: conv.id, userIds: ['system'] }, admin.token)
    const note = (await h().ok('list-messages', { conversationId: conv.id }, admin.token)).data.find((m: any) => m.kind === 'system')
    expect(note.senderId).toBe('system')
    expect((await h().call('edit-message', { id: note.id, content: 'x' }, impostor.token)).status).toBe(403)
    expect((await h().call('delete-message', { id: note.id }, impostor.token)).status).toBe(403)
    await verifyAction(h(), b, () => h().ok('delete-message', { id: note.id, mode: 'hard' }, admin.token))
    expect((await h().ok('list-moderation-log', { id: conv.id }, admin.token)).data).toMatchObject([{ messageId: note.id, authorId: 'system', deletedBy: admin.id }])
  })

  it('refuses bad input', async () => {
    const { conv, users: [a] } = await group(2)
    const msg = await send(conv.id, a.token)
    for (const [body, path] of [
      [{ id: msg.id, mode: 'purge' }, 'mode'],
      [{ id: msg.id, reason: '' }, 'reason'],
      [{ id: msg.id, reason: 'x'.repeat(501) }, 'reason'],
      [{ id: msg.id, force: true }, 'force'],
      [{ id: 'nope' }, 'id'],
    ] as const) {
      const res = await h().call('delete-message', body, a.token)
      expect([res.status, res.body.errors?.map((e: any) => e.path)], JSON.stringify(body)).toEqual([400, expect.arrayContaining([path])])
    }
    expect((await row(msg.id)).deleted_at).toBeNull()
  })

  it('deleting a thread root keeps its replies; deleting a reply updates the root’s summary', async () => {
    const { conv, users: [a, b] } = await group(2)
    const root = await send(conv.id, a.token, { content: 'root' })
    const r1 = await send(conv.id, b.token, { content: 'r1', replyToId: root.id })
    const r2 = await send(conv.id, b.token, { content: 'r2', replyToId: root.id })
    await verifyAction(h(), a, () => h().ok('delete-message', { id: r2.id }, b.token))
    expect((await h().ok('get-message', { id: root.id }, a.token)).thread).toMatchObject({ replyCount: 1 })
    const { result } = await verifyAction(h(), b, () => h().ok('delete-message', { id: root.id }, a.token))
    expect(result.message).toMatchObject({ id: root.id, content: '', thread: { replyCount: 1 } })
    expect((await h().ok('get-message', { id: r1.id }, b.token))).toMatchObject({ content: 'r1', threadRootId: root.id })
    await verifyAction(h(), b, () => h().ok('delete-message', { id: root.id, mode: 'hard' }, a.token))
    expect((await h().ok('get-message', { id: r1.id }, b.token))).toMatchObject({ content: 'r1', threadRootId: root.id })
  })

  it('a client that was away catches up with sync: the redacted log brings it exactly to a fresh fetch, without the text', async () => {
    const { conv, users: [a, b, c] } = await group()
    await send(conv.id, a.token, { content: 'hello' })
    const before = await fetchState(h(), c, [conv.id])
    // While c is away: a mention edited and pinned, then deleted; another message hard-deleted while it is the last.
    const m1 = await send(conv.id, b.token, { content: `secret one @${c.id}` })
    await h().ok('edit-message', { id: m1.id, content: `secret one, edited @${c.id}` }, b.token)
    await h().ok('pin-message', { id: m1.id }, a.token)
    await h().ok('delete-message', { id: m1.id }, a.token)
    const m2 = await send(conv.id, b.token, { content: 'secret two' })
    await h().ok('delete-message', { id: m2.id, mode: 'hard' }, b.token)
    await send(conv.id, a.token, { content: `back @${c.id}` })
    const since = { [conv.id]: before.conversations[conv.id].conversation.lastSeq }
    const replay = (await h().ok('sync', { since }, c.token)).data.find((d: any) => d.conversationId === conv.id).events
    expect(JSON.stringify(replay)).not.toContain('secret')
    const state = applyEvents(before, replay)
    const fresh = await fetchState(h(), c, [conv.id])
    expect(state.stale).toEqual([])
    const comparable = (st: typeof state) => {
      const { rights: _r, ...rest } = st.conversations[conv.id]
      return rest
    }
    const differences = diff(comparable(fresh), comparable(state))
    expect(differences, formatDiff(differences, 'fetched', 'replayed')).toEqual([])
    expect(fresh.conversations[conv.id].conversation.membership).toMatchObject({ unreadCount: 2, mentionCount: 1 })
  })

  it('a delete racing an edit always leaves a tombstone, never resurrected text', async () => {
    const { conv, users: [a, b] } = await group(2)
    for (let i = 0; i < 8; i++) {
      const msg = await send(conv.id, b.token, { content: `v0-${i}` })
      const [edit, del] = await Promise.all([
        h().call('edit-message', { id: msg.id, content: `v1-${i}` }, b.token),
        h().call('delete-message', { id: msg.id, reason: 'race' }, i % 2 ? a.token : b.token),
      ])
      expect(del.status).toBe(200)
      expect([200, 409]).toContain(edit.status)
      expect(await row(msg.id)).toMatchObject({ content: '', deleted_at: expect.anything() })
      expect(await h().ok('get-message', { id: msg.id }, a.token)).toMatchObject({ content: '', deletedAt: del.body.deletedAt })
      expect((await h().db.query('SELECT count(*)::int AS n FROM message_edits WHERE message_id = $1', [msg.id]))[0]).toEqual({ n: 0 })
    }
    expect([...(await leaks(conv.id, 'v0-')), ...(await leaks(conv.id, 'v1-'))]).toEqual([])
  })
})
