import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { verifyAction } from '../../test/verify-action.js'
import { createGroup, eventsSince, seqsAfter } from '../conversations/test-fixtures.js'

describeStores('mark-conversation-read', (h, kind) => {
  async function groupWithMessages(n: number) {
    const [a, b] = await h().users(2)
    const g = await createGroup(h(), a, [b])
    for (let i = 0; i < n; i++) await h().ok('send-message', { conversationId: g.id, content: `m${i}` }, b.token)
    return { a, b, g }
  }

  it('moves the read cursor forward and emits read.updated', async () => {
    const { a, g } = await groupWithMessages(3) // seqs 2, 3, 4
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).membership).toMatchObject({ lastReadSeq: 0, unreadCount: 3 })
    const mark = h().events.length
    const { result: res } = await verifyAction(h(), a, () => h().call('mark-conversation-read', { id: g.id, seq: 3 }, a.token))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ lastReadSeq: 3, unreadCount: 1 })
    const evs = eventsSince(h(), mark, g.id)
    expect(evs.types).toEqual(['read.updated'])
    expect(evs.seqs).toEqual(seqsAfter(4, 1))
    expect(evs.data[0]).toEqual({ userId: a.id, lastReadSeq: 3 })
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).membership).toMatchObject({ lastReadSeq: 3, unreadCount: 1 })
  })

  it('never moves back, and clamps to the conversation’s last seq', async () => {
    const { a, g } = await groupWithMessages(2) // seqs 2, 3
    await h().ok('mark-conversation-read', { id: g.id, seq: 3 }, a.token) // read.updated takes seq 4
    const mark = h().events.length
    expect(await h().ok('mark-conversation-read', { id: g.id, seq: 2 }, a.token)).toEqual({ lastReadSeq: 3, unreadCount: 0 })
    expect(await h().ok('mark-conversation-read', { id: g.id, seq: 3 }, a.token)).toEqual({ lastReadSeq: 3, unreadCount: 0 })
    expect(eventsSince(h(), mark, g.id).types).toEqual([])
    expect(await h().ok('mark-conversation-read', { id: g.id, seq: 1_000_000 }, a.token)).toEqual({ lastReadSeq: 4, unreadCount: 0 })
    const evs = eventsSince(h(), mark, g.id)
    expect([evs.seqs, evs.data[0].lastReadSeq]).toEqual([[5], 4])
    expect((await h().ok('get-conversation', { id: g.id }, a.token)).lastSeq).toBe(5)
  })

  it('own messages are never unread; agents keep a cursor too', async () => {
    const [a, owner] = await h().users(2)
    const agent = await h().agent(owner)
    const g = await createGroup(h(), a, [agent])
    await h().ok('send-message', { conversationId: g.id, content: 'mine' }, agent.token)
    await h().ok('send-message', { conversationId: g.id, content: 'yours' }, a.token)
    const { result: state } = await verifyAction(h(), a, () => h().ok('mark-conversation-read', { id: g.id, seq: 0 }, agent.token))
    expect(state).toEqual({ lastReadSeq: 2, unreadCount: 1 })
    const { result: read, events } = await verifyAction(h(), a, () => h().ok('mark-conversation-read', { id: g.id, seq: 3 }, agent.token))
    expect([read, events.map((e) => e.type)]).toEqual([{ lastReadSeq: 3, unreadCount: 0 }, ['read.updated']])
  })

  it('refuses bad seqs and fields', async () => {
    const { a, g } = await groupWithMessages(0)
    for (const [body, path] of [
      [{}, 'seq'],
      [{ seq: -1 }, 'seq'],
      [{ seq: 1.5 }, 'seq'],
      [{ seq: '3' }, 'seq'],
      [{ seq: null }, 'seq'],
      [{ seq: 1, userId: a.id }, 'userId'],
    ] as const) {
      const res = await h().call('mark-conversation-read', { id: g.id, ...body }, a.token)
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'validation_failed'])
      expect(res.body.errors.map((e: any) => e.path)).toContain(path)
    }
  })

  it('runs alongside concurrent sends without deadlock or lost updates', async () => {
    const { a, b, g } = await groupWithMessages(1)
    const ops: Promise<unknown>[] = []
    for (let i = 0; i < 20; i++) {
      ops.push(h().ok('send-message', { conversationId: g.id, content: `c${i}` }, b.token))
      ops.push(h().ok('mark-conversation-read', { id: g.id, seq: 2 + i }, a.token))
      ops.push(h().ok('send-message', { conversationId: g.id, content: `d${i}` }, a.token))
    }
    await Promise.all(ops)
    const conv = await h().ok('get-conversation', { id: g.id }, a.token)
    const log = await h().db.query<{ seq: number }>('SELECT seq FROM events WHERE conversation_id = $1 ORDER BY seq', [g.id])
    expect(log.map((r) => r.seq)).toEqual(seqsAfter(0, conv.lastSeq))
    // a's last send (or a later mark-read) put a's cursor past all of a's own messages.
    const final = await h().ok('mark-conversation-read', { id: g.id, seq: conv.lastSeq }, a.token)
    expect(final).toEqual({ lastReadSeq: conv.lastSeq, unreadCount: 0 })
  })

  // Deterministic check of the lock order, where locks are real (PGlite runs one transaction at a time).
  if (kind === 'postgres') {
    it('takes the conversation lock before the member row, as the send queue does', async () => {
      const { a, g } = await groupWithMessages(1)
      let pending: Promise<{ status: number }> | undefined
      await h().db.transaction(async (tx) => {
        await tx.query('SELECT id FROM conversations WHERE id = $1 FOR UPDATE', [g.id])
        pending = h().call('mark-conversation-read', { id: g.id, seq: 2 }, a.token)
        for (let i = 0; i < 300; i++) {
          const [{ n }] = await h().db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          )
          if (n > 0) break
          await new Promise((r) => setTimeout(r, 10))
        }
        // mark-read now waits for the conversation; it must not hold the member row meanwhile.
        const free = await tx.query('SELECT 1 FROM members WHERE conversation_id = $1 AND member_id = $2 FOR UPDATE NOWAIT', [g.id, a.id])
        expect(free).toHaveLength(1)
      })
      expect((await pending!).status).toBe(200)
    })
  }
})
