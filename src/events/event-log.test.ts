import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { appendEvents, listEventsAfter } from './event-log.sql.js'
import { lockConversation } from '../conversations/conversations.sql.js'

describeStores('event log', (h) => {
  it('reads the events of a conversation after a seq, in order, bounded by a limit', async () => {
    const [a, b] = await h().users(2)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'log', members: [b.id] }, a.token)
    for (let i = 0; i < 12; i++) await h().ok('send-message', { conversationId: conv.id, content: `m${i}` }, i % 2 ? a.token : b.token)
    const all = await listEventsAfter(h().db, conv.id, 0)
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1))
    expect(all[0]).toMatchObject({ type: 'conversation.created', actorId: a.id, conversationId: conv.id })
    expect(all[0].data).toMatchObject({ members: [{ id: a.id, role: 'admin' }, { id: b.id, role: 'member' }] })
    const tail = await listEventsAfter(h().db, conv.id, 10)
    expect(tail.map((e) => e.seq)).toEqual([11, 12, 13])
    expect(tail.map((e) => (e.data as { content: string }).content)).toEqual(['m9', 'm10', 'm11'])
    expect((await listEventsAfter(h().db, conv.id, 3, 2)).map((e) => e.seq)).toEqual([4, 5])
    expect(await listEventsAfter(h().db, conv.id, 13)).toEqual([])
  })

  it('a rolled back transaction leaves no event and no gap', async () => {
    const [a] = await h().users(1)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'rb' }, a.token)
    await expect(
      h().db.transaction(async (tx) => {
        const row = (await lockConversation(tx, conv.id))!
        await appendEvents(tx, { id: row.id, lastSeq: row.last_seq }, [{ type: 'read.updated', actorId: a.id, data: { userId: a.id, lastReadSeq: 1 } }])
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    const m = await h().ok('send-message', { conversationId: conv.id, content: 'after' }, a.token)
    expect(m.seq).toBe(2)
    expect((await listEventsAfter(h().db, conv.id, 0)).map((e) => e.seq)).toEqual([1, 2])
  })

  it('events reach the sink only after commit, in seq order', async () => {
    const [a] = await h().users(1)
    const conv = await h().ok('create-conversation', { type: 'group', name: 'sink' }, a.token)
    const mark = h().events.length
    await Promise.all(Array.from({ length: 30 }, (_, i) => h().ok('send-message', { conversationId: conv.id, content: String(i) }, a.token)))
    const seen = h().eventsSince(mark, conv.id).map((e) => e.seq)
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 2))
  })
})
