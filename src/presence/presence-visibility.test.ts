import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { startCluster, api, type ClusterNode, type TestCluster } from '../../test/cluster.js'

const isPresenceOf = (id: string, online?: boolean) => (f: any) =>
  f.event === 'presence' && f.data.userId === id && (online === undefined || f.data.online === online)

/**
 * The presence frames about `id` the socket received so far. A ping's pong is the marker: the
 * server writes it after anything it wrote to this socket before reading the ping.
 */
async function presenceSoFar(s: TestSocket, id: string) {
  s.send({ type: 'ping' })
  await s.next((f) => f.type === 'pong')
  return s.drain(isPresenceOf(id))
}

describeStores('who may see whom online', (h) => {
  const presence = async (viewer: { token: string }, id: string) => (await h().ok('get-presence', { userIds: [id] }, viewer.token)).data[0]

  it('a stranger who puts the target in a group sees nothing of them until the target posts there', async () => {
    const url = await h().listen()
    const [target, stranger] = await h().users(2)
    const group = await h().ok('create-conversation', { type: 'group', name: 'bait', members: [target.id] }, stranger.token)
    await h().ok('send-message', { conversationId: group.id, content: 'hi, are you there?' }, stranger.token)
    const watch = (await TestSocket.ready(url, stranger.token)).socket
    expect(await presence(stranger, target.id)).toEqual({ userId: target.id, online: null, lastSeenAt: null })

    const ts = (await TestSocket.ready(url, target.token)).socket
    expect(await presenceSoFar(watch, target.id)).toEqual([])
    // The target's client acknowledges delivery by itself: that is no engagement.
    expect((await ts.call('mark-conversation-delivered', { id: group.id, seq: 2 })).ok).toBe(true)
    expect(await presence(stranger, target.id)).toMatchObject({ online: null })

    // The target answers: from now on the stranger may see them.
    expect((await ts.call('send-message', { conversationId: group.id, content: 'yes' })).ok).toBe(true)
    await ts.event(group.id, 'message.created')
    expect(await presence(stranger, target.id)).toEqual({ userId: target.id, online: true, lastSeenAt: null })
    await ts.close()
    expect(await watch.next(isPresenceOf(target.id, false))).toBeTruthy()
    const again = (await TestSocket.ready(url, target.token)).socket
    expect(await watch.next(isPresenceOf(target.id, true))).toBeTruthy()
    await again.close()
    await watch.close()
  })

  it('moving the read cursor in a group engages the target there', async () => {
    const url = await h().listen()
    const [target, stranger] = await h().users(2)
    const group = await h().ok('create-conversation', { type: 'group', name: 'bait', members: [target.id] }, stranger.token)
    const watch = (await TestSocket.ready(url, stranger.token)).socket
    const ts = (await TestSocket.ready(url, target.token)).socket
    expect(await presenceSoFar(watch, target.id)).toEqual([])
    expect((await ts.call('mark-conversation-read', { id: group.id, seq: 1 })).data.lastReadSeq).toBe(1)
    await ts.event(group.id, 'read.updated')
    expect(await presence(stranger, target.id)).toMatchObject({ online: true })
    await ts.close()
    expect(await watch.next(isPresenceOf(target.id, false))).toBeTruthy()
    await watch.close()
  })

  it('a dm the stranger opened reveals nothing until the target engages; a dm the target opened does', async () => {
    const url = await h().listen()
    const [target, stranger, friend] = await h().users(3)
    const dm = await h().ok('create-conversation', { type: 'dm', members: [target.id] }, stranger.token)
    await h().ok('create-conversation', { type: 'dm', members: [friend.id] }, target.token)
    const watch = (await TestSocket.ready(url, stranger.token)).socket
    const fs = (await TestSocket.ready(url, friend.token)).socket
    expect(await presence(stranger, target.id)).toMatchObject({ online: null })
    expect(await presence(friend, target.id)).toEqual({ userId: target.id, online: false, lastSeenAt: null })

    const ts = (await TestSocket.ready(url, target.token)).socket
    expect(await fs.next(isPresenceOf(target.id, true))).toBeTruthy()
    expect(await presenceSoFar(watch, target.id)).toEqual([])

    await h().ok('send-message', { conversationId: dm.id, content: 'answer' }, target.token)
    await ts.event(dm.id, 'message.created')
    expect(await presence(stranger, target.id)).toMatchObject({ online: true })
    await ts.close()
    expect(await watch.next(isPresenceOf(target.id, false))).toBeTruthy()
    await Promise.all([watch.close(), fs.close()])
  })
})

const pg = process.env.PARLEY_TEST_DATABASE_URL
const busName = process.env.PARLEY_TEST_NATS_URL ? 'NATS' : 'shared in-memory bus'

describe.runIf(pg)(`presence visibility across nodes over ${busName}`, () => {
  let cluster: TestCluster
  let a: ClusterNode
  let b: ClusterNode
  beforeAll(async () => {
    cluster = await startCluster(2)
    ;[a, b] = cluster.nodes
  }, 60_000)
  afterAll(async () => {
    await cluster?.close()
  })

  let n = 0
  async function user(name: string) {
    const id = `${name}_${++n}_${Date.now()}`
    await api(a, 'upsert-user', '/v1/users/upsert', cluster.serverKey, { id, name: id })
    return { id, token: (await api(a, 'create-token', '/v1/auth/tokens/create', cluster.serverKey, { userId: id })).token as string }
  }

  it('a node announcing someone connected elsewhere applies the same rule', async () => {
    const [target, stranger, friend] = [await user('target'), await user('stranger'), await user('friend')]
    await api(a, 'create-conversation', '/v1/conversations/create', target.token, { type: 'dm', members: [friend.id] })
    const group = await api(a, 'create-conversation', '/v1/conversations/create', stranger.token, { type: 'group', name: 'bait', members: [target.id] })
    const watch = (await TestSocket.ready(b.url, stranger.token)).socket
    const fs = (await TestSocket.ready(b.url, friend.token)).socket
    const ts = (await TestSocket.ready(a.url, target.token)).socket
    // The friend hears of it; the same announcement, on the same node, left the stranger out.
    expect(await fs.next(isPresenceOf(target.id, true))).toBeTruthy()
    expect(await presenceSoFar(watch, target.id)).toEqual([])
    expect((await api(b, 'get-presence', '/v1/presence/get', stranger.token, { userIds: [target.id] })).data[0].online).toBeNull()

    await api(a, 'send-message', '/v1/messages/send', target.token, { conversationId: group.id, content: 'hello' })
    expect((await api(b, 'get-presence', '/v1/presence/get', stranger.token, { userIds: [target.id] })).data[0].online).toBe(true)
    await ts.close()
    expect(await watch.next(isPresenceOf(target.id, false))).toBeTruthy()
    await Promise.all([watch.close(), fs.close()])
  })
})
