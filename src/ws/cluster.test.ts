import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, api, type TestCluster } from '../../test/cluster.js'
import { TestSocket } from '../../test/ws-client.js'
import type { Bus } from '../events/bus/index.js'

const pg = process.env.PARLEY_TEST_DATABASE_URL
const busName = process.env.PARLEY_TEST_NATS_URL ? 'NATS' : 'shared in-memory bus'

/** Nodes share PostgreSQL, so the cluster tests need it. */
describe.runIf(pg)(`three nodes sharing PostgreSQL over ${busName}`, () => {
  let cluster: TestCluster
  let users: { id: string; token: string }[]
  beforeAll(async () => {
    cluster = await startCluster(3)
    const [n1] = cluster.nodes
    users = []
    for (const name of ['ann', 'bob', 'cat']) {
      const id = `${name}_${Date.now()}`
      await api(n1, 'upsert-user', '/v1/users/upsert', cluster.serverKey, { id, name })
      users.push({ id, token: (await api(n1, 'create-token', '/v1/auth/tokens/create', cluster.serverKey, { userId: id })).token })
    }
  }, 60_000)
  afterAll(async () => {
    await cluster?.close()
  })

  it('clients on different nodes converse: every device gets every event, in seq order', async () => {
    const [n1, n2, n3] = cluster.nodes
    const [ann, bob, cat] = users
    const sa = (await TestSocket.ready(n1.url, ann.token)).socket
    const sb = (await TestSocket.ready(n2.url, bob.token)).socket
    const sc = (await TestSocket.ready(n3.url, cat.token)).socket
    const conv = await api(n1, 'create-conversation', '/v1/conversations/create', ann.token, { type: 'group', name: 'spread', members: [bob.id, cat.id] })
    for (const s of [sa, sb, sc]) expect((await s.event(conv.id, 'conversation.created')).seq).toBe(1)
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const node = [n1, n2, n3][i % 3]
        const user = [ann, bob, cat][i % 3]
        return api(node, 'send-message', '/v1/messages/send', user.token, { conversationId: conv.id, content: `m${i}` })
      }),
    )
    const seqs = sent.map((m) => m.seq).sort((a, b) => a - b)
    for (const s of [sa, sb, sc]) {
      const got: number[] = []
      while (got.length < 60) got.push((await s.event(conv.id, 'message.created')).seq)
      expect(got).toEqual(seqs)
    }
    // Typing and presence cross nodes too.
    await sa.call('send-typing', { conversationId: conv.id })
    expect((await sc.next((f) => f.event === 'typing')).data.userId).toBe(ann.id)
    await sb.close()
    expect(await sc.next((f) => f.event === 'presence' && f.data.userId === bob.id && !f.data.online)).toBeTruthy()
    expect((await api(n3, 'get-presence', '/v1/presence/get', cat.token, { userIds: [ann.id, bob.id] })).data.map((p: any) => p.online)).toEqual([true, false])
    await sa.close()
    await sc.close()
  })

  it('a node that commits but never publishes loses nothing: the others read it from the log', async () => {
    const [ann, bob] = users
    // This node's publishes vanish, as if it died between COMMIT and publish every time.
    const mute = await cluster.addNode({ wrapBus: (bus: Bus) => Object.assign(Object.create(bus), { publish() {} }) })
    const n2 = cluster.nodes[1]
    const sb = (await TestSocket.ready(n2.url, bob.token)).socket
    const conv = await api(n2, 'create-conversation', '/v1/conversations/create', bob.token, { type: 'group', name: 'quiet', members: [ann.id] })
    await sb.event(conv.id, 'conversation.created')
    const sent = []
    for (let i = 0; i < 5; i++) sent.push(await api(mute, 'send-message', '/v1/messages/send', ann.token, { conversationId: conv.id, content: `muted ${i}` }))
    const got = []
    for (let i = 0; i < 5; i++) got.push(await sb.event(conv.id, 'message.created'))
    expect(got.map((e) => e.data.id)).toEqual(sent.map((m) => m.id))
    await sb.close()
  })
})
