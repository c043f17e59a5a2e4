import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createChannel, createGroup, eventsSince } from '../conversations/test-fixtures.js'

const MISSING = '0190c0de-0000-7000-8000-000000000000'

describeStores('edit-message and list-message-edits', (h) => {
  async function group(n = 3) {
    const users = await h().users(n)
    const conv = await createGroup(h(), users[0], users.slice(1))
    return { conv, users }
  }
  const send = (conversationId: string, token: string, body: Record<string, unknown> = {}) =>
    h().ok('send-message', { conversationId, content: 'first', ...body }, token)

  it('the author edits: message.updated carries the whole new view, editedAt is set, the old text goes to the history', async () => {
    const { conv, users: [a, b] } = await group()
    const msg = await send(conv.id, b.token, { content: 'helo', clientMsgId: 'k1' })
    const mark = h().events.length
    const { result: edited } = await verifyAction(h(), a, () => h().ok('edit-message', { id: msg.id, content: 'hello' }, b.token))
    expect(edited).toMatchObject({ id: msg.id, seq: msg.seq, content: 'hello', clientMsgId: 'k1', createdAt: msg.createdAt, deletedAt: null })
    expect(edited.editedAt).not.toBeNull()
    const ev = eventsSince(h(), mark, conv.id)
    expect(ev.types).toEqual(['message.updated'])
    expect(ev.seqs).toEqual([msg.seq + 1])
    expect(ev.data[0]).toEqual(edited)
    expect(await h().ok('get-message', { id: msg.id }, a.token)).toEqual(edited)
    const history = await h().ok('list-message-edits', { id: msg.id }, a.token)
    expect(history).toEqual({ data: [{ content: 'helo', editedAt: edited.editedAt }], page: { hasMore: false } })
    // The conversation's last message is the edited one, for every member.
    expect((await h().ok('get-conversation', { id: conv.id }, a.token)).lastMessage).toMatchObject({ content: 'hello', editedAt: edited.editedAt })
  })

  it('an edit that changes nothing emits nothing and answers the message', async () => {
    const { conv, users: [a, b, c] } = await group()
    const msg = await send(conv.id, b.token, { content: 'same @' + c.id, metadata: { k: [1, 2] } })
    const mark = h().events.length
    const again = await h().ok('edit-message', { id: msg.id, content: 'same @' + c.id, mentions: [c.id], metadata: { k: [1, 2] } }, b.token)
    expect(again).toEqual(msg)
    expect(eventsSince(h(), mark, conv.id).types).toEqual([])
    expect((await h().ok('list-message-edits', { id: msg.id }, a.token)).data).toEqual([])
  })

  it('mentions are evaluated again: counts follow for the viewer, as events tell the reducer', async () => {
    const { conv, users: [a, b, c] } = await group()
    const msg = await send(conv.id, a.token, { content: `hi @${b.id}` })
    expect((await h().ok('get-conversation', { id: conv.id }, b.token)).membership).toMatchObject({ unreadCount: 1, mentionCount: 1 })
    // The mention is edited away, then @all names everyone again, then c is named explicitly.
    await verifyAction(h(), b, () => h().ok('edit-message', { id: msg.id, content: 'hi all' }, a.token))
    expect((await h().ok('get-conversation', { id: conv.id }, b.token)).membership).toMatchObject({ unreadCount: 1, mentionCount: 0 })
    const { result: all } = await verifyAction(h(), b, () => h().ok('edit-message', { id: msg.id, content: 'hi @all' }, a.token))
    expect(all).toMatchObject({ mentions: [], wildcardMention: 'all' })
    expect((await h().ok('get-conversation', { id: conv.id }, b.token)).membership).toMatchObject({ unreadCount: 1, mentionCount: 1 })
    const { result: named } = await verifyAction(h(), c, () => h().ok('edit-message', { id: msg.id, content: 'hi you', mentions: [c.id, 'nobody-here'] }, a.token))
    expect(named).toMatchObject({ mentions: [c.id], wildcardMention: null })
    expect((await h().ok('get-conversation', { id: conv.id }, c.token)).membership).toMatchObject({ mentionCount: 1 })
    expect((await h().ok('get-conversation', { id: conv.id }, b.token)).membership).toMatchObject({ mentionCount: 0 })
    expect((await h().ok('list-message-edits', { id: msg.id }, c.token)).data.map((v: any) => v.content)).toEqual([`hi @${b.id}`, 'hi all', 'hi @all'])
  })

  it('metadata: replaced when given, kept when omitted, removed with null', async () => {
    const { conv, users: [a, b] } = await group(2)
    const msg = await send(conv.id, a.token, { metadata: { card: { title: 'Ticket 7', tags: ['x'] } } })
    const kept = await h().ok('edit-message', { id: msg.id, content: 'second' }, a.token)
    expect(kept.metadata).toEqual({ card: { title: 'Ticket 7', tags: ['x'] } })
    const { result: replaced } = await verifyAction(h(), b, () => h().ok('edit-message', { id: msg.id, content: 'second', metadata: { lat: 1.5, lng: -2 } }, a.token))
    expect(replaced.metadata).toEqual({ lat: 1.5, lng: -2 })
    const cleared = await h().ok('edit-message', { id: msg.id, content: 'second', metadata: null }, a.token)
    expect(cleared.metadata).toBeNull()
    expect((await h().ok('get-message', { id: msg.id }, b.token)).metadata).toBeNull()
  })

  it('refuses bad input and writes nothing', async () => {
    const { conv, users: [a] } = await group(2)
    const msg = await send(conv.id, a.token)
    const cases: [Record<string, unknown>, string][] = [
      [{ id: msg.id }, 'content'],
      [{ id: msg.id, content: '' }, 'content'],
      [{ id: msg.id, content: ' \n ' }, 'content'],
      [{ id: msg.id, content: 'x'.repeat(10_001) }, 'content'],
      [{ id: msg.id, content: 'x', colour: 'red' }, 'colour'],
      [{ id: msg.id, content: 'x', mentions: ['dup', 'dup'] }, 'mentions'],
      [{ id: msg.id, content: 'x', mentions: ['has space'] }, 'mentions.0'],
      [{ id: msg.id, content: 'x', metadata: 'card' }, 'metadata'],
      [{ id: msg.id, content: 'x', metadata: { blob: 'x'.repeat(8 * 1024) } }, 'metadata'],
    ]
    const mark = h().events.length
    for (const [body, path] of cases) {
      const res = await h().call('edit-message', body, a.token)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(res.body.errors.map((e: any) => e.path)).toContain(path)
    }
    expect((await h().call('edit-message', { id: 'not-a-uuid', content: 'x' }, a.token)).status).toBe(400)
    expect(eventsSince(h(), mark, conv.id).types).toEqual([])
    expect((await h().ok('get-message', { id: msg.id }, a.token)).content).toBe('first')
  })

  it('who may edit: the author only; other readers 403; those who may not read it 404 like a missing message', async () => {
    const [admin, author, other, stranger, owner] = await h().users(5)
    const agent = await h().agent(owner)
    const conv = await createGroup(h(), admin, [author, other, agent])
    const msg = await send(conv.id, author.token)
    const body = { id: msg.id, content: 'changed' }
    for (const t of [admin.token, other.token, agent.token, owner.token]) {
      const res = await h().call('edit-message', body, t)
      expect([res.status, res.body.code]).toEqual([403, 'forbidden'])
    }
    expect((await h().call('edit-message', body, h().serverKey)).status).toBe(403)
    const hidden = await h().call('edit-message', body, stranger.token)
    const missing = await h().call('edit-message', { ...body, id: MISSING }, stranger.token)
    expect([hidden.status, hidden.body]).toEqual([404, missing.body])
    // Agents edit their own messages.
    const mine = await send(conv.id, agent.token)
    expect((await h().ok('edit-message', { id: mine.id, content: 'by the agent' }, agent.token)).content).toBe('by the agent')
    // A removed author may not read the conversation any more: 404.
    const before = await send(conv.id, author.token, { content: 'leaving' })
    await h().ok('remove-conversation-member', { id: conv.id, userIds: [author.id] }, admin.token)
    expect((await h().call('edit-message', { id: before.id, content: 'x' }, author.token)).body).toEqual(missing.body)
    // In a public channel a former member still reads, but edits only as a member.
    const channel = await createChannel(h(), admin, [other], { visibility: 'public' })
    await h().ok('update-conversation-member', { id: channel.id, userId: other.id, canPost: true }, admin.token)
    const posted = await send(channel.id, other.token)
    await h().ok('leave-conversation', { id: channel.id }, other.token)
    expect((await h().call('edit-message', { id: posted.id, content: 'x' }, other.token)).status).toBe(403)
  })

  it('a deleted message or an archived conversation: 409; past the edit window: 403', async () => {
    const { conv, users: [a, b] } = await group(2)
    const gone = await send(conv.id, b.token)
    await h().ok('delete-message', { id: gone.id }, b.token)
    const deleted = await h().call('edit-message', { id: gone.id, content: 'back' }, b.token)
    expect([deleted.status, deleted.body.code]).toEqual([409, 'conflict'])
    const old = await send(conv.id, b.token)
    const config = h().parley.services.config
    config.editWindowSeconds = 60
    try {
      expect((await h().call('edit-message', { id: old.id, content: 'in time' }, b.token)).status).toBe(200)
      await h().db.query(`UPDATE messages SET created_at = created_at - interval '61 seconds' WHERE id = $1`, [old.id])
      const late = await h().call('edit-message', { id: old.id, content: 'too late' }, b.token)
      expect([late.status, late.body.code, late.body.detail]).toEqual([403, 'forbidden', 'messages can be edited for 60 seconds after sending'])
    } finally {
      config.editWindowSeconds = 0
    }
    expect((await h().call('edit-message', { id: old.id, content: 'no window' }, b.token)).status).toBe(200)
    await h().ok('archive-conversation', { id: conv.id }, a.token)
    expect((await h().call('edit-message', { id: old.id, content: 'archived' }, b.token)).status).toBe(409)
  })

  it('10 concurrent edits keep a consistent history: every earlier version exactly once, in commit order', async () => {
    const { conv, users: [a, b] } = await group(2)
    const msg = await send(conv.id, b.token, { content: 'v0' })
    const mark = h().events.length
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => h().call('edit-message', { id: msg.id, content: `v${i + 1}` }, b.token)))
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200))
    const ev = eventsSince(h(), mark, conv.id)
    expect(ev.types).toEqual(Array(10).fill('message.updated'))
    const order = ev.data.map((d) => d.content)
    expect([...order].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i + 1}`).sort())
    const versions: string[] = []
    let cursor: string | undefined
    do {
      const page = await h().ok('list-message-edits', { id: msg.id, limit: 3, ...(cursor ? { cursor } : {}) }, a.token)
      versions.push(...page.data.map((v: any) => v.content))
      cursor = page.page.nextCursor
      expect(page.page.hasMore).toBe(cursor !== undefined)
    } while (cursor)
    expect(versions).toEqual(['v0', ...order.slice(0, 9)])
    expect((await h().ok('get-message', { id: msg.id }, a.token)).content).toBe(order[9])
  })

  it('list-message-edits: whoever may read; a cursor must be one of ours; a deleted message has none', async () => {
    const [admin, member, stranger] = await h().users(3)
    const channel = await createChannel(h(), admin, [member], { visibility: 'public' })
    await h().ok('update-conversation-member', { id: channel.id, userId: member.id, canPost: true }, admin.token)
    const msg = await send(channel.id, member.token, { content: 'one' })
    await h().ok('edit-message', { id: msg.id, content: 'two' }, member.token)
    await h().ok('edit-message', { id: msg.id, content: 'three' }, member.token)
    // A public channel is readable by anyone; the server key reads everything.
    for (const t of [stranger.token, h().serverKey]) expect((await h().ok('list-message-edits', { id: msg.id }, t)).data.map((v: any) => v.content)).toEqual(['one', 'two'])
    const res = await h().call('list-message-edits', { id: msg.id, cursor: 'bm9wZQ' }, stranger.token)
    expect([res.status, res.body.errors?.[0]?.path]).toEqual([400, 'cursor'])
    const first = await h().ok('list-message-edits', { id: msg.id, limit: 1 }, stranger.token)
    expect(first.page.hasMore).toBe(true)
    expect((await h().ok('list-message-edits', { id: msg.id, cursor: first.page.nextCursor }, stranger.token)).data.map((v: any) => v.content)).toEqual(['two'])
    await h().ok('delete-message', { id: msg.id }, member.token)
    expect(await h().ok('list-message-edits', { id: msg.id }, member.token)).toEqual({ data: [], page: { hasMore: false } })
    expect((await h().db.query('SELECT count(*)::int AS n FROM message_edits WHERE message_id = $1', [msg.id]))[0]).toEqual({ n: 0 })
  })

  it('list-message-edits in a private conversation: non-readers get the 404 of a missing message', async () => {
    const { conv, users: [a, b] } = await group(2)
    const stranger = await h().user()
    const msg = await send(conv.id, b.token)
    await h().ok('edit-message', { id: msg.id, content: 'edited' }, b.token)
    expect((await h().ok('list-message-edits', { id: msg.id }, a.token)).data).toHaveLength(1)
    const hidden = await h().call('list-message-edits', { id: msg.id }, stranger.token)
    const missing = await h().call('list-message-edits', { id: MISSING }, stranger.token)
    expect([hidden.status, hidden.body]).toEqual([404, missing.body])
  })
})
