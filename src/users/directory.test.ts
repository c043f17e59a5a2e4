import { expect, it } from 'vitest'
import { describeStores, type Harness, type TestUser } from '../../test/harness.js'
import { findOp } from '../ops/registry.js'
import { pathParams } from '../ops/define-op.js'

/** The raw answer (status and body bytes), to compare a hidden id's answer with an unknown one's. */
async function raw(h: Harness, opId: string, data: Record<string, unknown>, token: string) {
  const body = { ...data }
  let url = findOp(opId)!.path
  for (const p of pathParams(url)) {
    url = url.replace(`{${p}}`, encodeURIComponent(String(body[p])))
    delete body[p]
  }
  const res = await h.parley.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
  return { status: res.statusCode, body: res.body }
}

/**
 * Alice shares a group with Bob; Carol (with an agent) and Dave (deactivated) share nothing with
 * her. `unknown` names nobody.
 */
async function world(h: Harness) {
  const [alice, bob, carol, dave] = await h.users(4)
  await h.ok('deactivate-user', { id: dave.id }, h.serverKey)
  // The app (server key) puts Alice and Bob together, Alice as admin: in a shared directory
  // strangers cannot name each other, so the first conversation is the app's to make.
  const group = await h.ok('create-conversation', { type: 'group', name: 'g', members: [alice.id, bob.id] }, h.serverKey)
  await h.ok('update-conversation-member', { id: group.id, userId: alice.id, role: 'admin' }, h.serverKey)
  const aliceAgent = await h.agent(alice)
  const carolAgent = await h.agent(carol)
  return { alice, bob, carol, dave, group, aliceAgent, carolAgent, unknown: h.uid('nobody') }
}

/** Ids the caller finds with list-users among `ids` (each a prefix query of its own). */
async function listed(h: Harness, caller: TestUser | { token: string }, ids: string[], extra: Record<string, unknown> = {}) {
  const found: string[] = []
  for (const id of ids) {
    const page = await h.ok('list-users', { query: id, ...extra }, caller.token)
    found.push(...page.data.map((p: any) => p.id).filter((x: string) => x === id))
  }
  return found
}

describeStores('directory: shared', (h) => {
  it('get-user answers only participants one shares a conversation with, the rest exactly like unknown ids', async () => {
    const w = await world(h())
    for (const id of [w.alice.id, w.bob.id, w.aliceAgent.id]) expect((await h().call('get-user', { id }, w.alice.token)).status, id).toBe(200)
    expect((await h().call('get-user', { id: w.alice.id }, w.aliceAgent.token)).status, 'an agent sees its owner').toBe(200)
    const unknown = await raw(h(), 'get-user', { id: w.unknown }, w.alice.token)
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'not_found', detail: 'user not found' })
    for (const id of [w.carol.id, w.dave.id, w.carolAgent.id]) expect(await raw(h(), 'get-user', { id }, w.alice.token), id).toEqual(unknown)
    expect(await raw(h(), 'get-user', { id: w.alice.id }, w.aliceAgent.token)).toMatchObject({ status: 200 })
    expect(await raw(h(), 'get-user', { id: w.bob.id }, w.aliceAgent.token), 'the agent shares nothing with bob').toEqual(
      await raw(h(), 'get-user', { id: w.unknown }, w.aliceAgent.token),
    )
    // The server key sees everyone.
    for (const id of [w.carol.id, w.dave.id, w.carolAgent.id]) expect((await h().call('get-user', { id }, h().serverKey)).status, id).toBe(200)
    // Once the app puts them together, they see each other.
    await h().ok('create-conversation', { type: 'group', name: 'met', members: [w.alice.id, w.carol.id] }, h().serverKey)
    expect((await h().call('get-user', { id: w.carol.id }, w.alice.token)).status).toBe(200)
    expect((await h().call('get-user', { id: w.alice.id }, w.carol.token)).status).toBe(200)
  })

  it('list-users lists only visible participants; the server key lists everyone; includeDeactivated is the server key’s', async () => {
    const w = await world(h())
    const all = [w.alice.id, w.bob.id, w.carol.id, w.dave.id, w.aliceAgent.id, w.carolAgent.id]
    expect(await listed(h(), w.alice, all)).toEqual([w.alice.id, w.bob.id, w.aliceAgent.id])
    expect(await listed(h(), w.carol, all)).toEqual([w.carol.id, w.carolAgent.id])
    expect(await listed(h(), { token: h().serverKey }, all)).toEqual(all.filter((id) => id !== w.dave.id))
    expect(await listed(h(), { token: h().serverKey }, all, { includeDeactivated: true })).toEqual(all)
    const refused = await h().call('list-users', { includeDeactivated: true }, w.alice.token)
    expect(refused.status).toBe(403)
    expect(refused.body.code).toBe('forbidden')
  })

  it('a dm, a group or an added member naming a hidden id answers exactly like an unknown id', async () => {
    const w = await world(h())
    // The answer names the id given, so the unknown one is compared with that id put in its place.
    const alike = async (op: string, make: (id: string) => Record<string, unknown>, hidden: string) => {
      const a = await raw(h(), op, make(hidden), w.alice.token)
      const b = await raw(h(), op, make(w.unknown), w.alice.token)
      expect(b.status, `${op} unknown`).toBe(400)
      expect(a, `${op} ${hidden}`).toEqual({ status: b.status, body: b.body.replaceAll(w.unknown, hidden) })
    }
    for (const hidden of [w.carol.id, w.dave.id, w.carolAgent.id]) {
      await alike('create-conversation', (id) => ({ type: 'dm', members: [id] }), hidden)
      await alike('create-conversation', (id) => ({ type: 'group', name: 'x', members: [id] }), hidden)
      await alike('add-conversation-member', (id) => ({ id: w.group.id, userIds: [id] }), hidden)
    }
    await alike('create-conversation', (id) => ({ type: 'dm', agentId: id }), w.carolAgent.id)
    // Visible participants still work, and the server key may add anyone.
    expect((await h().call('create-conversation', { type: 'dm', members: [w.bob.id] }, w.alice.token)).status).toBe(201)
    expect((await h().call('create-conversation', { type: 'dm', agentId: w.aliceAgent.id }, w.alice.token)).status).toBe(201)
    expect((await h().call('add-conversation-member', { id: w.group.id, userIds: [w.carol.id] }, h().serverKey)).status).toBe(200)
  })

  it('a user cannot probe ids by choosing an agent id; the server key may choose one', async () => {
    const w = await world(h())
    for (const id of [w.carol.id, w.unknown]) {
      const res = await h().call('create-agent', { id, name: 'probe' }, w.alice.token)
      expect(res.status, id).toBe(403)
      expect(res.body.code).toBe('forbidden')
    }
    expect((await h().call('create-agent', { id: h().uid('agent'), name: 'chosen', ownerId: w.alice.id }, h().serverKey)).status).toBe(201)
    expect((await h().call('create-agent', { name: 'generated' }, w.alice.token)).status).toBe(201)
  })
}, { directory: 'shared' })

describeStores('directory: open (default)', (h) => {
  it('anyone may look up and find active participants, as before', async () => {
    const w = await world(h())
    expect((await h().call('get-user', { id: w.carol.id }, w.alice.token)).status).toBe(200)
    expect((await h().call('create-conversation', { type: 'dm', members: [w.carol.id] }, w.alice.token)).status).toBe(201)
    expect(await listed(h(), w.alice, [w.carol.id, w.carolAgent.id])).toEqual([w.carol.id, w.carolAgent.id])
    expect((await h().call('create-agent', { id: h().uid('agent'), name: 'chosen' }, w.alice.token)).status).toBe(201)
  })

  it('deactivated participants are listed for the server key only, and only it may ask for them', async () => {
    const w = await world(h())
    // Bob deactivated while sharing a group with Alice: still not listed to her.
    await h().ok('deactivate-user', { id: w.bob.id }, h().serverKey)
    for (const caller of [w.alice, w.aliceAgent]) {
      expect(await listed(h(), caller, [w.bob.id, w.dave.id])).toEqual([])
      const refused = await h().call('list-users', { query: w.dave.id, includeDeactivated: true }, caller.token)
      expect(refused.status).toBe(403)
      expect(refused.body).toMatchObject({ code: 'forbidden', detail: 'only the server key may list deactivated participants' })
    }
    expect(await listed(h(), { token: h().serverKey }, [w.bob.id, w.dave.id], { includeDeactivated: true })).toEqual([w.bob.id, w.dave.id])
    expect(await listed(h(), { token: h().serverKey }, [w.bob.id, w.dave.id])).toEqual([])
  })
})
