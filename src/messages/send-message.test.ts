import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { listEventsAfter } from '../events/event-log.sql.js'

describeStores('send-message', (h) => {
  async function group(n = 2, extra: Record<string, unknown> = {}) {
    const users = await h().users(n)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'g', members: users.slice(1).map((u) => u.id), ...extra }, users[0].token)
    return { conv, users }
  }

  it('sends, answers 201 with the message and its seq, and appends message.created with that seq', async () => {
    const { conv, users } = await group()
    const mark = h().events.length
    const { result: res } = await verifyAction(h(), users[0], () => h().call('send-message', { conversationId: conv.id, content: 'héllo 👋' }, users[1].token))
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      conversationId: conv.id,
      seq: conv.lastSeq + 1,
      senderId: users[1].id,
      senderKind: 'user',
      kind: 'text',
      content: 'héllo 👋',
      clientMsgId: null,
      editedAt: null,
      deletedAt: null,
      replyToId: null,
      forwardOf: null,
      reactions: {},
      attachments: [],
      linkPreviews: [],
      thread: null,
    })
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt)
    const events = h().eventsSince(mark, conv.id)
    expect(events.map((e) => [e.type, e.seq])).toEqual([['message.created', res.body.seq]])
    expect(events[0].data).toEqual(res.body)
    expect(await h().ok('get-message', { id: res.body.id }, users[0].token)).toEqual(res.body)
  })

  it('a retry with the same clientMsgId returns the first message (200), even with other content', async () => {
    const { conv, users } = await group()
    const first = await h().call('send-message', { conversationId: conv.id, content: 'once', clientMsgId: 'c-1' }, users[0].token)
    const again = await h().call('send-message', { conversationId: conv.id, content: 'twice', clientMsgId: 'c-1' }, users[0].token)
    expect([first.status, again.status]).toEqual([201, 200])
    expect(again.body).toEqual(first.body)
    // Another sender may use the same key: keys are per sender.
    const other = await h().call('send-message', { conversationId: conv.id, content: 'mine', clientMsgId: 'c-1' }, users[1].token)
    expect(other.status).toBe(201)
    expect(other.body.id).not.toBe(first.body.id)
  })

  it('the same clientMsgId sent 20 times at once yields one message', async () => {
    const { conv, users } = await group()
    const mark = h().events.length
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h().call('send-message', { conversationId: conv.id, content: 'x', clientMsgId: 'burst' }, users[0].token)),
    )
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1)
    expect(results.filter((r) => r.status === 201)).toHaveLength(1)
    expect(results.filter((r) => r.status === 200)).toHaveLength(19)
    const rows = await h().db.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conv.id])
    expect(rows[0]).toEqual({ n: 1 })
    expect(h().eventsSince(mark, conv.id)).toHaveLength(1)
  })

  it('200 concurrent sends get distinct gapless seqs, and the event log read back equals the messages', async () => {
    const { conv, users } = await group(8)
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => h().call('send-message', { conversationId: conv.id, content: `m${i}` }, users[i % 8].token)),
    )
    expect(results.every((r) => r.status === 201)).toBe(true)
    const seqs = results.map((r) => r.body.seq).sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => conv.lastSeq + 1 + i))
    const log = await listEventsAfter(h().db, conv.id, 0, 1000)
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: conv.lastSeq + 200 }, (_, i) => i + 1))
    const created = log.filter((e) => e.type === 'message.created').map((e) => e.data)
    const bySeq = [...results.map((r) => r.body)].sort((a, b) => a.seq - b.seq)
    expect(created).toEqual(bySeq)
    // Commit order = seq order: a send answered earlier never has a larger seq than one started after it answered.
    const after = await h().ok('get-conversation', { id: conv.id }, users[0].token)
    expect(after.lastSeq).toBe(conv.lastSeq + 200)
    expect(after.lastMessage.seq).toBe(conv.lastSeq + 200)
  })

  it('concurrent sends into many conversations keep each conversation gapless', async () => {
    const users = await h().users(3)
    const convs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => h().ok('create-conversation', { type: 'group', name: `g${i}`, members: [users[1].id, users[2].id] }, users[0].token)),
    )
    await Promise.all(
      Array.from({ length: 150 }, (_, i) => h().ok('send-message', { conversationId: convs[i % 10].id, content: `m${i}` }, users[i % 3].token)),
    )
    for (const c of convs) {
      const log = await listEventsAfter(h().db, c.id, 0, 1000)
      expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1))
    }
  })

  it('sending reads the conversation up to one’s own message; others’ later messages are unread', async () => {
    const { conv, users } = await group()
    await h().ok('send-message', { conversationId: conv.id, content: 'a', mentions: [users[1].id] }, users[0].token)
    // The sender's client: its own cursor moves to its message, which clears what was unread.
    await verifyAction(h(), users[1], () => h().ok('send-message', { conversationId: conv.id, content: 'b' }, users[1].token))
    const mine = await h().ok('get-conversation', { id: conv.id }, users[1].token)
    const theirs = await h().ok('get-conversation', { id: conv.id }, users[0].token)
    expect(mine.membership).toMatchObject({ unreadCount: 0, lastReadSeq: conv.lastSeq + 2 })
    expect(theirs.membership).toMatchObject({ unreadCount: 1, lastReadSeq: conv.lastSeq + 1 })
  })

  it('replies join the root’s thread; forwards copy content and remember the origin', async () => {
    const { conv, users } = await group()
    const root = await h().ok('send-message', { conversationId: conv.id, content: 'root' }, users[0].token)
    const { result: r1 } = await verifyAction(h(), users[0], () => h().ok('send-message', { conversationId: conv.id, content: 'r1', replyToId: root.id }, users[1].token))
    const r2 = await h().ok('send-message', { conversationId: conv.id, content: 'r2', replyToId: r1.id }, users[0].token)
    expect([r1.threadRootId, r2.threadRootId, r2.replyToId]).toEqual([root.id, root.id, r1.id])
    const rootNow = await h().ok('get-message', { id: root.id }, users[0].token)
    expect(rootNow.thread).toMatchObject({ replyCount: 2 })
    const other = await h().ok('create-conversation', { type: 'group', name: 'other', members: [users[1].id] }, users[0].token)
    const fwd = await h().ok('send-message', { conversationId: other.id, forwardOf: root.id }, users[1].token)
    expect(fwd).toMatchObject({ content: 'root', forwardOf: { messageId: root.id, conversationId: conv.id, senderId: users[0].id } })
    const fwd2 = await h().ok('send-message', { conversationId: conv.id, forwardOf: fwd.id, content: 'look' }, users[0].token)
    expect(fwd2).toMatchObject({ content: 'look', forwardOf: { messageId: root.id } })
  })

  it('refuses bad input with a clear error and writes nothing', async () => {
    const { conv, users } = await group()
    const t = users[0].token
    const other = await group()
    const foreign = await h().ok('send-message', { conversationId: other.conv.id, content: 'x' }, other.users[0].token)
    const cases: [Record<string, unknown>, number, string][] = [
      [{ conversationId: conv.id }, 400, 'content'],
      [{ conversationId: conv.id, content: '' }, 400, 'content'],
      [{ conversationId: conv.id, content: ' \n\t ' }, 400, 'content'],
      [{ conversationId: conv.id, content: 'x'.repeat(10_001) }, 400, 'content'],
      [{ conversationId: conv.id, content: 'a\u0000b' }, 400, 'content'],
      [{ conversationId: conv.id, content: 5 }, 400, 'content'],
      [{ conversationId: conv.id, content: 'x', colour: 'red' }, 400, 'colour'],
      [{ conversationId: 'not-a-uuid', content: 'x' }, 400, 'conversationId'],
      [{ conversationId: conv.id, content: 'x', kind: 'shout' }, 400, 'kind'],
      [{ conversationId: conv.id, content: 'x', clientMsgId: 'k'.repeat(65) }, 400, 'clientMsgId'],
      [{ conversationId: conv.id, content: 'x', replyToId: foreign.id }, 400, 'replyToId'],
      [{ conversationId: conv.id, content: 'x', forwardOf: foreign.id }, 400, 'forwardOf'],
      [{ conversationId: conv.id, content: 'x', replyToId: foreign.id, forwardOf: foreign.id }, 400, 'forwardOf'],
      [{ conversationId: conv.id, content: 'x', attachmentIds: [foreign.id] }, 400, 'attachmentIds'],
      [{ conversationId: conv.id, content: 'x', mentions: ['dup', 'dup'] }, 400, 'mentions'],
      [{ conversationId: conv.id, content: 'x', mentions: ['has space'] }, 400, 'mentions.0'],
      [{ conversationId: conv.id, content: 'x', mentions: Array.from({ length: 51 }, (_, i) => `u${i}`) }, 400, 'mentions'],
    ]
    for (const [body, status, path] of cases) {
      const res = await h().call('send-message', body, t)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status)
      expect(res.body.code).toBe('validation_failed')
      expect(res.body.errors.map((e: any) => e.path)).toContain(path)
    }
    // 10,000 emoji are 10,000 characters (code points), not 20,000.
    expect((await h().call('send-message', { conversationId: conv.id, content: '😀'.repeat(10_000) }, t)).status).toBe(201)
    const count = await h().db.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conv.id])
    expect(count[0]).toEqual({ n: 1 })
  })

  it('who may send: members yes; non-members, agent owners, the server key and strangers no', async () => {
    const { conv, users } = await group(2)
    const stranger = await h().user()
    const nonMember = await h().call('send-message', { conversationId: conv.id, content: 'x' }, stranger.token)
    expect([nonMember.status, nonMember.body.code]).toEqual([404, 'not_found'])
    const missing = await h().call('send-message', { conversationId: '0190c0de-0000-7000-8000-000000000000', content: 'x' }, stranger.token)
    expect(missing.body).toEqual({ ...nonMember.body })
    const server = await h().call('send-message', { conversationId: conv.id, content: 'x' }, h().serverKey)
    expect([server.status, server.body.code]).toEqual([403, 'forbidden'])
    expect((await h().call('send-message', { conversationId: conv.id, content: 'x' }, undefined)).status).toBe(401)
    expect((await h().call('send-message', { conversationId: conv.id, content: 'x' }, 'not-a-token')).status).toBe(401)
    expect((await h().call('send-message', { conversationId: conv.id, content: 'x' }, users[1].token)).status).toBe(201)
  })
})
