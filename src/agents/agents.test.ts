import { expect, it } from 'vitest'
import { describeStores, type Harness, type TestUser } from '../../test/harness.js'
import { sha256Hex } from '../auth/keys.js'

describeStores('agents', (h) => {
  const create = (owner: TestUser, data: Record<string, unknown> = {}) =>
    h().ok<{ agent: any; apiKey: string }>('create-agent', { name: 'Helper', ...data }, owner.token)

  it('a user creates an agent; the key is answered once and only its hash is stored', async () => {
    const owner = await h().user()
    const res = await h().call('create-agent', { name: 'Helper', webhookUrl: 'https://app.test/hook?s=1', description: 'helps', metadata: { model: 'm1' } }, owner.token)
    expect(res.status).toBe(201)
    const { agent, apiKey } = res.body
    expect(agent).toMatchObject({ kind: 'agent', name: 'Helper', ownerId: owner.id, avatarUrl: null, webhookUrl: 'https://app.test/hook?s=1', description: 'helps', metadata: { model: 'm1' }, deactivatedAt: null })
    expect(agent.id).toMatch(/^agent_[0-9a-f]{20}$/)
    expect(apiKey).toMatch(/^pk_agent_[\w-]{40,}$/)
    const [row] = await h().db.query<Record<string, unknown>>('SELECT * FROM participants WHERE id = $1', [agent.id])
    expect(row.key_hash).toBe(sha256Hex(apiKey))
    expect(JSON.stringify(row)).not.toContain(apiKey)
    // A second agent gets a different id and key.
    const other = await create(owner)
    expect(other.agent.id).not.toBe(agent.id)
    expect(other.apiKey).not.toBe(apiKey)
  })

  it('an agent key acts as the agent; others see the agent without its webhook', async () => {
    const owner = await h().user()
    const { agent, apiKey } = await create(owner, { webhookUrl: 'https://app.test/secret-hook' })
    const self = await h().call('get-user', { id: agent.id }, apiKey)
    expect(self.status).toBe(200)
    expect(self.body).toMatchObject({ id: agent.id, kind: 'agent', ownerId: owner.id })
    expect((await h().call('get-user', { id: owner.id }, apiKey)).status).toBe(200)
    const stranger = await h().user()
    const seen = await h().ok('get-user', { id: agent.id }, stranger.token)
    expect(seen).toMatchObject({ id: agent.id, kind: 'agent', ownerId: owner.id })
    expect(seen).not.toHaveProperty('webhookUrl')
    expect((await h().call('get-user', { id: agent.id }, apiKey.slice(0, -2) + 'xx')).status).toBe(401)
  })

  it('takes a chosen id once: any participant’s id is a conflict', async () => {
    const owner = await h().user()
    const id = h().uid('bot')
    expect((await create(owner, { id })).agent.id).toBe(id)
    for (const taken of [id, owner.id]) {
      const res = await h().call('create-agent', { id: taken, name: 'Again' }, owner.token)
      expect(res.status, taken).toBe(409)
      expect(res.body.code).toBe('conflict')
    }
    expect((await h().call('upsert-user', { id, name: 'Not a user' }, h().serverKey)).status).toBe(409)
    expect((await h().ok('get-user', { id }, owner.token)).name).toBe('Helper')
  })

  it('the server key names the owner, who must be an active user', async () => {
    const owner = await h().user()
    const made = await h().call('create-agent', { name: 'Provisioned', ownerId: owner.id }, h().serverKey)
    expect(made.status).toBe(201)
    expect(made.body.agent.ownerId).toBe(owner.id)
    const missing = await h().call('create-agent', { name: 'No owner' }, h().serverKey)
    expect(missing.status).toBe(400)
    expect(missing.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'ownerId' }] })
    for (const ownerId of ['nobody_here', made.body.agent.id]) {
      const res = await h().call('create-agent', { name: 'x', ownerId }, h().serverKey)
      expect(res.status, ownerId).toBe(404)
      expect(res.body.code).toBe('not_found')
    }
    const gone = await h().user()
    await h().ok('deactivate-user', { id: gone.id }, h().serverKey)
    const res = await h().call('create-agent', { name: 'x', ownerId: gone.id }, h().serverKey)
    expect(res.status).toBe(409)
    expect(res.body.code).toBe('conflict')
  })

  it('a user creates agents only for themself; agents create none', async () => {
    const [a, b] = await h().users(2)
    expect((await h().call('create-agent', { name: 'Mine', ownerId: a.id }, a.token)).status).toBe(201)
    const res = await h().call('create-agent', { name: 'Theirs', ownerId: b.id }, a.token)
    expect(res.status).toBe(403)
    expect(res.body.code).toBe('forbidden')
    const { apiKey } = await create(a)
    const byAgent = await h().call('create-agent', { name: 'Child' }, apiKey)
    expect(byAgent.status).toBe(403)
    expect(byAgent.body.code).toBe('forbidden')
    expect((await h().call('create-agent', { name: 'Anon' }, undefined)).status).toBe(401)
    expect((await h().ok('list-agents', { ownerId: b.id }, h().serverKey)).data).toEqual([])
  })

  it('refuses bad input with field errors and writes nothing', async () => {
    const owner = await h().user()
    for (const body of [
      {},
      { name: '' },
      { name: 'x', id: 'has space' },
      { name: 'x', id: 'x'.repeat(129) },
      { name: 'x', webhookUrl: 'ftp://app.test/hook' },
      { name: 'x', webhookUrl: 'javascript:alert(1)' },
      { name: 'x', avatarUrl: 'not a url' },
      { name: 'x', description: 'd'.repeat(2001) },
      { name: 'x', metadata: { big: 'y'.repeat(9000) } },
      { name: 'x', metadata: [1] },
      { name: 'x', apiKey: 'pk_agent_mine' },
      { name: 'x', kind: 'user' },
    ]) {
      const res = await h().call('create-agent', body, owner.token)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
    expect((await h().ok('list-agents', {}, owner.token)).data).toEqual([])
  })

  it('lists a user’s own agents oldest first, paged; the server key lists all or one owner’s', async () => {
    const [a, b] = await h().users(2)
    const mine = []
    for (const name of ['A3', 'A1', 'A2']) {
      mine.push(await create(a, { name }))
      await nextMillisecond() // PGlite's clock ticks in milliseconds: keep creation times distinct
    }
    const theirs = await create(b, { name: 'B1' })
    const p1 = await h().ok('list-agents', { limit: 2 }, a.token)
    expect(p1.data.map((x: any) => x.id)).toEqual([mine[0].agent.id, mine[1].agent.id])
    expect(p1.data[0]).toHaveProperty('webhookUrl', null)
    expect(p1.page.hasMore).toBe(true)
    const p2 = await h().ok('list-agents', { limit: 2, cursor: p1.page.nextCursor }, a.token)
    expect(p2.data.map((x: any) => x.id)).toEqual([mine[2].agent.id])
    expect(p2.page).toEqual({ hasMore: false })
    expect((await h().ok('list-agents', { ownerId: a.id }, a.token)).data).toHaveLength(3)
    const foreign = await h().call('list-agents', { ownerId: b.id }, a.token)
    expect(foreign.status).toBe(403)
    expect(foreign.body.code).toBe('forbidden')
    const ofB = await h().ok('list-agents', { ownerId: b.id }, h().serverKey)
    expect(ofB.data.map((x: any) => x.id)).toEqual([theirs.agent.id])
    const all = await collect(h(), {})
    expect(all).toEqual(expect.arrayContaining([...mine.map((m) => m.agent.id), theirs.agent.id]))
    expect(new Set(all).size).toBe(all.length)
    const byAgent = await h().call('list-agents', {}, mine[0].apiKey)
    expect(byAgent.status).toBe(403)
    expect((await h().call('list-agents', { cursor: 'garbage!' }, a.token)).body.code).toBe('validation_failed')
    const forged = Buffer.from(JSON.stringify(['not a time', 'x'])).toString('base64url')
    expect((await h().call('list-agents', { cursor: forged }, a.token)).body.code).toBe('validation_failed')
    expect((await h().call('list-agents', { limit: 0 }, a.token)).status).toBe(400)
  })

  it('updates what is given, clears what is null, keeps the rest', async () => {
    const owner = await h().user()
    const { agent } = await create(owner, { avatarUrl: 'https://x.test/a.png', webhookUrl: 'https://app.test/h', description: 'd', metadata: { a: 1 } })
    const renamed = await h().ok('update-agent', { id: agent.id, name: 'Renamed' }, owner.token)
    expect(renamed).toMatchObject({ name: 'Renamed', avatarUrl: 'https://x.test/a.png', webhookUrl: 'https://app.test/h', description: 'd', metadata: { a: 1 } })
    expect(Date.parse(renamed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(agent.updatedAt))
    const cleared = await h().ok('update-agent', { id: agent.id, avatarUrl: null, webhookUrl: null, description: null, metadata: { b: 2 } }, owner.token)
    expect(cleared).toMatchObject({ name: 'Renamed', avatarUrl: null, webhookUrl: null, description: null, metadata: { b: 2 } })
    const byServer = await h().ok('update-agent', { id: agent.id, webhookUrl: 'http://internal.test/h' }, h().serverKey)
    expect(byServer).toMatchObject({ name: 'Renamed', webhookUrl: 'http://internal.test/h', ownerId: owner.id })
    expect(await h().ok('get-user', { id: agent.id }, owner.token)).toMatchObject({ name: 'Renamed', description: null })
    for (const body of [{ name: '' }, { webhookUrl: 'ftp://x.test' }, { ownerId: 'someone' }, { metadata: null }, { name: null }]) {
      const res = await h().call('update-agent', { id: agent.id, ...body }, owner.token)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
    }
    expect((await h().ok('list-agents', {}, owner.token)).data[0]).toMatchObject({ webhookUrl: 'http://internal.test/h', ownerId: owner.id })
  })

  it('another user’s agent answers exactly like a missing one; an agent key is refused', async () => {
    const [owner, stranger] = await h().users(2)
    const { agent, apiKey } = await create(owner)
    for (const op of ['update-agent', 'rotate-agent-key', 'delete-agent']) {
      const theirs = await h().call(op, { id: agent.id, ...(op === 'update-agent' ? { name: 'Mine now' } : {}) }, stranger.token)
      const missing = await h().call(op, { id: 'no_such_agent', ...(op === 'update-agent' ? { name: 'Mine now' } : {}) }, stranger.token)
      expect(theirs.status, op).toBe(404)
      expect(theirs.body).toEqual(missing.body)
      const byAgent = await h().call(op, { id: agent.id }, apiKey)
      expect(byAgent.status, op).toBe(403)
      expect(byAgent.body.code).toBe('forbidden')
    }
    // A user id is not an agent id either.
    expect((await h().call('update-agent', { id: owner.id, name: 'x' }, h().serverKey)).status).toBe(404)
    expect(await h().ok('get-user', { id: agent.id }, owner.token)).toMatchObject({ name: 'Helper', deactivatedAt: null })
    expect((await h().call('get-user', { id: agent.id }, apiKey)).status).toBe(200)
  })

  it('rotating the key stops the old one at once, even when it was just used', async () => {
    const owner = await h().user()
    const { agent, apiKey: old } = await create(owner)
    expect((await h().call('get-user', { id: agent.id }, old)).status).toBe(200) // now cached
    const rotated = await h().call('rotate-agent-key', { id: agent.id }, owner.token)
    expect(rotated.status).toBe(200)
    expect(rotated.body.agent).toMatchObject({ id: agent.id, ownerId: owner.id, deactivatedAt: null })
    const fresh = rotated.body.apiKey
    expect(fresh).toMatch(/^pk_agent_/)
    expect(fresh).not.toBe(old)
    const refused = await h().call('get-user', { id: agent.id }, old)
    expect(refused.status).toBe(401)
    expect(refused.body.code).toBe('unauthorized')
    expect((await h().call('get-user', { id: agent.id }, fresh)).status).toBe(200)
    const again = await h().ok('rotate-agent-key', { id: agent.id }, h().serverKey)
    expect((await h().call('get-user', { id: agent.id }, fresh)).status).toBe(401)
    expect((await h().call('get-user', { id: agent.id }, again.apiKey)).status).toBe(200)
  })

  it('deleting keeps the record, kills the key at once, and the agent is gone for agent operations', async () => {
    const owner = await h().user()
    const { agent, apiKey } = await create(owner)
    const kept = await create(owner, { name: 'Kept' })
    expect((await h().call('get-user', { id: agent.id }, apiKey)).status).toBe(200) // now cached
    const deleted = await h().call('delete-agent', { id: agent.id }, owner.token)
    expect(deleted.status).toBe(200)
    expect(deleted.body).toMatchObject({ id: agent.id, kind: 'agent', ownerId: owner.id })
    expect(deleted.body.deactivatedAt).toBeTruthy()
    const refused = await h().call('get-user', { id: agent.id }, apiKey)
    expect(refused.status).toBe(401)
    expect(refused.body.code).toBe('unauthorized')
    const [row] = await h().db.query<{ key_hash: string | null }>('SELECT key_hash FROM participants WHERE id = $1', [agent.id])
    expect(row.key_hash).toBeNull()
    for (const op of ['delete-agent', 'rotate-agent-key', 'update-agent']) {
      const res = await h().call(op, { id: agent.id, ...(op === 'update-agent' ? { name: 'Back' } : {}) }, h().serverKey)
      expect(res.status, op).toBe(404)
      expect(res.body.code).toBe('not_found')
    }
    expect((await h().ok('list-agents', {}, owner.token)).data.map((x: any) => x.id)).toEqual([kept.agent.id])
    expect((await h().call('create-agent', { id: agent.id, name: 'Reuse' }, owner.token)).status).toBe(409)
    // History stays: the participant is still there for whoever reads old messages.
    expect(await h().ok('get-user', { id: agent.id }, owner.token)).toMatchObject({ id: agent.id, deactivatedAt: deleted.body.deactivatedAt })
    expect((await h().call('get-user', { id: kept.agent.id }, kept.apiKey)).status).toBe(200)
  })

  it('a deactivated owner’s agents stop acting at once', async () => {
    const owner = await h().user()
    const { agent, apiKey } = await create(owner)
    expect((await h().call('get-user', { id: agent.id }, apiKey)).status).toBe(200) // now cached
    await h().ok('deactivate-user', { id: owner.id }, h().serverKey)
    const res = await h().call('get-user', { id: agent.id }, apiKey)
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('unauthorized')
    expect((await h().ok('list-agents', { ownerId: owner.id }, h().serverKey)).data.map((x: any) => x.id)).toEqual([agent.id])
  })
})

/** Every agent id over all pages of list-agents with the server key, small pages to exercise the cursor. */
async function collect(h: Harness, filter: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | undefined
  for (let i = 0; i < 1000; i++) {
    const page = await h.ok('list-agents', { ...filter, limit: 3, ...(cursor ? { cursor } : {}) }, h.serverKey)
    ids.push(...page.data.map((x: any) => x.id))
    if (!page.page.hasMore) return ids
    cursor = page.page.nextCursor
  }
  throw new Error('list-agents did not end')
}

/** Waits until the wall clock has moved past the current millisecond. */
async function nextMillisecond(): Promise<void> {
  const start = Date.now()
  while (Date.now() <= start + 1) await new Promise((r) => setTimeout(r, 1))
}
