import { beforeAll, expect, it } from 'vitest'
import { describeStores, type TestUser } from '../../test/harness.js'

describeStores('list-messages', (h) => {
  let alice: TestUser
  let conv: { id: string }
  let seqs: number[]
  const N = 300

  beforeAll(async () => {
    const [a, b] = await h().users(2)
    alice = a
    conv = await h().ok('create-conversation', { type: 'group', name: 'history', members: [b.id] }, a.token)
    seqs = []
    for (let i = 0; i < N; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) => h().ok('send-message', { conversationId: conv.id, content: `m${i + j}`, clientMsgId: `k${i + j}` }, a.token)),
      )
      seqs.push(...batch.map((m) => m.seq))
    }
    seqs.sort((x, y) => x - y)
  })

  const list = (body: Record<string, unknown>) => h().ok('list-messages', { conversationId: conv.id, ...body }, alice.token)
  const seqsOf = (res: any) => res.data.map((m: any) => m.seq)

  it('without a position: the newest page, oldest first', async () => {
    const res = await list({ limit: 20 })
    expect(seqsOf(res)).toEqual(seqs.slice(-20))
    expect(res.page).toEqual({ hasBefore: true, hasAfter: false })
    expect((await list({})).data).toHaveLength(50)
  })

  it('before: pages back to the very first message', async () => {
    let before: number | undefined
    const seen: number[] = []
    for (;;) {
      const res = await list({ limit: 64, ...(before ? { before } : {}) })
      seen.unshift(...seqsOf(res))
      expect(res.page.hasAfter).toBe(before !== undefined)
      if (!res.page.hasBefore) break
      before = res.data[0].seq
    }
    expect(seen).toEqual(seqs)
    const edge = await list({ before: seqs[0] })
    expect(edge.data).toEqual([])
    expect(edge.page).toEqual({ hasBefore: false, hasAfter: true })
  })

  it('after: pages forward to the newest message', async () => {
    let after = 0
    const seen: number[] = []
    for (;;) {
      const res = await list({ limit: 70, after })
      seen.push(...seqsOf(res))
      expect(res.page.hasBefore).toBe(after >= seqs[0])
      if (!res.page.hasAfter) break
      after = res.data[res.data.length - 1].seq
    }
    expect(seen).toEqual(seqs)
    const end = await list({ after: seqs[N - 1] })
    expect(end.data).toEqual([])
    expect(end.page).toEqual({ hasBefore: true, hasAfter: false })
    expect((await list({ after: seqs[N - 1] + 1000 })).data).toEqual([])
  })

  it('around: centred on a seq, the seq itself included; a short side is filled from the other', async () => {
    const mid = seqs[150]
    const res = await list({ around: mid, limit: 11 })
    expect(seqsOf(res)).toEqual(seqs.slice(145, 156))
    expect(res.page).toEqual({ hasBefore: true, hasAfter: true })
    const first = await list({ around: seqs[0], limit: 10 })
    expect(seqsOf(first)).toEqual(seqs.slice(0, 10))
    expect(first.page).toEqual({ hasBefore: false, hasAfter: true })
    const last = await list({ around: seqs[N - 1], limit: 10 })
    expect(seqsOf(last)).toEqual(seqs.slice(N - 10))
    expect(last.page).toEqual({ hasBefore: true, hasAfter: false })
    const one = await list({ around: mid, limit: 1 })
    expect(seqsOf(one)).toEqual([mid])
    expect(one.page).toEqual({ hasBefore: true, hasAfter: true })
  })

  it('refuses contradictory or malformed positions', async () => {
    for (const body of [{ before: 5, after: 2 }, { around: 1, before: 9 }, { before: -1 }, { after: 1.5 }, { limit: 0 }, { limit: 201 }, { before: '7' }]) {
      const res = await h().call('list-messages', { conversationId: conv.id, ...body }, alice.token)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
    }
  })

  it('only readers see history', async () => {
    const stranger = await h().user()
    const res = await h().call('list-messages', { conversationId: conv.id }, stranger.token)
    expect([res.status, res.body.code]).toEqual([404, 'not_found'])
    const msg = (await list({ limit: 1 })).data[0]
    expect((await h().call('get-message', { id: msg.id }, stranger.token)).status).toBe(404)
    expect((await h().call('get-message', { id: 'nope' }, stranger.token)).status).toBe(400)
    expect((await h().call('list-messages', { conversationId: conv.id, limit: 2 }, h().serverKey)).status).toBe(200)
  })
})
