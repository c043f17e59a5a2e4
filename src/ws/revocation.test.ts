import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { startCluster, api, type ClusterNode, type TestCluster } from '../../test/cluster.js'
import { CloseCode } from '../protocol/frames.js'

/**
 * Whichever comes first after a call is sent: the socket closing, or an answer to the call.
 * A revoked credential must get the close and never the answer.
 */
async function callOrClose(s: TestSocket, op: string, data: Record<string, unknown>) {
  const answer = s.call(op, data).then((r) => ({ result: r }))
  answer.catch(() => undefined)
  return Promise.race([s.closed.then((c) => ({ closed: c.code })), answer])
}

describeStores('revoking a credential ends its sockets', (h) => {
  it('deactivating an owner closes their agents’ sockets with Deactivated; a call sent after it does nothing', async () => {
    const url = await h().listen()
    const owner = await h().user()
    const agent = await h().agent(owner)
    const chat = await h().ok('create-conversation', { type: 'dm', agentId: agent.id }, owner.token)
    const s = (await TestSocket.ready(url, agent.token)).socket
    expect((await s.call('send-message', { conversationId: chat.id, content: 'before' })).ok).toBe(true)
    await h().ok('deactivate-user', { id: owner.id }, h().serverKey)
    expect(await callOrClose(s, 'send-message', { conversationId: chat.id, content: 'after', clientMsgId: 'after-deactivation' })).toEqual({
      closed: CloseCode.Deactivated,
    })
    const sent = await h().db.query('SELECT 1 FROM messages WHERE client_msg_id = $1', ['after-deactivation'])
    expect(sent).toEqual([])
    expect((await h().call('get-user', { id: agent.id }, agent.token)).status).toBe(401)
  })

  it('a call re-checks the credential: one revoked where no close reached this node closes the socket with the right code', async () => {
    const url = await h().listen()
    const owner = await h().user()
    const agent = await h().agent(owner)
    const chat = await h().ok('create-conversation', { type: 'dm', agentId: agent.id }, owner.token)
    const auth = h().parley.services.auth
    // The key replaced behind the node's back (as if the close message were lost), then the cache expiring.
    const rotated = (await TestSocket.ready(url, agent.token)).socket
    await h().db.query("UPDATE participants SET key_hash = 'replaced' WHERE id = $1", [agent.id])
    auth.forget(agent.id)
    expect(await callOrClose(rotated, 'send-message', { conversationId: chat.id, content: 'x' })).toEqual({ closed: CloseCode.Unauthorized })

    const user = await h().user()
    const mine = await h().ok('create-conversation', { type: 'group', name: 'g' }, user.token)
    const us = (await TestSocket.ready(url, user.token)).socket
    await h().db.query('UPDATE participants SET deactivated_at = now() WHERE id = $1', [user.id])
    auth.forget(user.id)
    expect(await callOrClose(us, 'send-message', { conversationId: mine.id, content: 'x' })).toEqual({ closed: CloseCode.Deactivated })
  })

  it('a revocation that lands between authenticating and attaching still closes the new socket', async () => {
    const url = await h().listen()
    const u = await h().user()
    const auth = h().parley.services.auth
    const authenticate = auth.authenticate
    auth.authenticate = async (token) => {
      const actor = await authenticate(token)
      auth.authenticate = authenticate
      // Authentication said yes; the deactivation commits and is applied before the session attaches.
      await h().ok('deactivate-user', { id: u.id }, h().serverKey)
      return actor
    }
    const s = await TestSocket.open(url, { token: u.token })
    const first = await Promise.race([s.closed.then((c) => ({ closed: c.code })), s.next((f) => f.type === 'session.ready').then(() => 'ready')])
    expect(first).toEqual({ closed: CloseCode.Deactivated })
  })
})

const pg = process.env.PARLEY_TEST_DATABASE_URL
const busName = process.env.PARLEY_TEST_NATS_URL ? 'NATS' : 'shared in-memory bus'

async function status(node: ClusterNode, path: string, token: string, body: unknown = {}): Promise<number> {
  const res = await fetch(node.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  await res.arrayBuffer()
  return res.status
}

describe.runIf(pg)(`revocation across two nodes over ${busName}`, () => {
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
  async function owner() {
    const id = `owner_${++n}_${Date.now()}`
    await api(a, 'upsert-user', '/v1/users/upsert', cluster.serverKey, { id, name: id })
    return { id, token: (await api(a, 'create-token', '/v1/auth/tokens/create', cluster.serverKey, { userId: id })).token as string }
  }
  async function agentOf(o: { id: string; token: string }) {
    const { agent, apiKey } = await api(a, 'create-agent', '/v1/agents/create', o.token, { name: 'bot' })
    const chat = await api(a, 'create-conversation', '/v1/conversations/create', o.token, { type: 'dm', agentId: agent.id })
    return { id: agent.id as string, key: apiKey as string, chat: chat.id as string }
  }
  const probe = (node: ClusterNode, id: string, token: string) => status(node, `/v1/users/${encodeURIComponent(id)}/get`, token)

  it('deactivating the owner on A closes the agent’s socket on B, and B refuses the key at once', async () => {
    const o = await owner()
    const ag = await agentOf(o)
    expect(await probe(b, ag.id, ag.key)).toBe(200) // B has the key cached now
    const agentSocket = (await TestSocket.ready(b.url, ag.key)).socket
    const ownerSocket = (await TestSocket.ready(b.url, o.token)).socket
    await api(a, 'deactivate-user', `/v1/users/${o.id}/deactivate`, cluster.serverKey)
    // The owner's socket closing says B has handled the revocation; the agent's went with it.
    expect((await ownerSocket.closed).code).toBe(CloseCode.Deactivated)
    expect(await callOrClose(agentSocket, 'send-message', { conversationId: ag.chat, content: 'still here?' })).toEqual({ closed: CloseCode.Deactivated })
    expect(await probe(b, ag.id, ag.key)).toBe(401)
  })

  it('rotating an agent key on A closes its socket on B, and B refuses the old key at once and takes the new one', async () => {
    const o = await owner()
    const ag = await agentOf(o)
    expect(await probe(b, ag.id, ag.key)).toBe(200)
    const s = (await TestSocket.ready(b.url, ag.key)).socket
    const { apiKey } = await api(a, 'rotate-agent-key', `/v1/agents/${ag.id}/rotate-key`, o.token)
    expect((await s.closed).code).toBe(CloseCode.Unauthorized)
    expect(await probe(b, ag.id, ag.key)).toBe(401)
    expect(await probe(b, ag.id, apiKey)).toBe(200)
  })

  it('deleting an agent on A closes its socket on B, and B refuses its key at once', async () => {
    const o = await owner()
    const ag = await agentOf(o)
    expect(await probe(b, ag.id, ag.key)).toBe(200)
    const s = (await TestSocket.ready(b.url, ag.key)).socket
    await api(a, 'delete-agent', `/v1/agents/${ag.id}/delete`, o.token)
    expect((await s.closed).code).toBe(CloseCode.Deactivated)
    expect(await probe(b, ag.id, ag.key)).toBe(401)
  })
})
