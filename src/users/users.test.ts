import { describe, expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'

describeStores('users', (h) => {
  it('upserts a user, then updates it keeping omitted fields', async () => {
    const id = h().uid()
    const created = await h().call('upsert-user', { id, name: 'Ada', avatarUrl: 'https://x.test/a.png', metadata: { team: 'a' } }, h().serverKey)
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({ id, kind: 'user', name: 'Ada', avatarUrl: 'https://x.test/a.png', metadata: { team: 'a' }, deactivatedAt: null })
    const updated = await h().ok('upsert-user', { id, name: 'Ada L.' }, h().serverKey)
    expect(updated).toMatchObject({ name: 'Ada L.', avatarUrl: 'https://x.test/a.png', metadata: { team: 'a' } })
    const cleared = await h().ok('upsert-user', { id, name: 'Ada L.', avatarUrl: null }, h().serverKey)
    expect(cleared.avatarUrl).toBeNull()
  })

  it('only the server key provisions users', async () => {
    const u = await h().user()
    const res = await h().call('upsert-user', { id: h().uid(), name: 'x' }, u.token)
    expect(res.status).toBe(403)
    expect(res.body.code).toBe('forbidden')
    expect((await h().call('upsert-user', { id: h().uid(), name: 'x' }, undefined)).status).toBe(401)
  })

  it('refuses bad input with field errors and writes nothing', async () => {
    const id = h().uid()
    for (const body of [
      { id, name: '' },
      { id: 'has space', name: 'x' },
      { id: 'x'.repeat(129), name: 'x' },
      { id, name: 'x', avatarUrl: 'javascript:alert(1)' },
      { id, name: 'x', extra: true },
      { id, name: 'x\u0000y' },
      { id, name: 5 },
      { id, name: 'x', metadata: { big: 'y'.repeat(9000) } },
    ]) {
      const res = await h().call('upsert-user', body, h().serverKey)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('validation_failed')
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
    expect((await h().call('get-user', { id }, h().serverKey)).status).toBe(404)
  })

  it('gets users and finds them by name or id prefix, paged', async () => {
    const u = await h().user()
    const tag = h().uid('zz')
    for (const n of ['Beta', 'alpha', 'Gamma']) await h().ok('upsert-user', { id: `${tag}_${n}`, name: `${tag} ${n}` }, h().serverKey)
    expect(await h().ok('get-user', { id: `${tag}_Beta` }, u.token)).toMatchObject({ name: `${tag} Beta` })
    const p1 = await h().ok('list-users', { query: tag.toUpperCase(), limit: 2 }, u.token)
    expect(p1.data.map((x: any) => x.name)).toEqual([`${tag} alpha`, `${tag} Beta`])
    expect(p1.page.hasMore).toBe(true)
    const p2 = await h().ok('list-users', { query: tag, limit: 2, cursor: p1.page.nextCursor }, u.token)
    expect(p2.data.map((x: any) => x.name)).toEqual([`${tag} Gamma`])
    expect(p2.page.hasMore).toBe(false)
    expect((await h().call('list-users', { cursor: 'garbage!' }, u.token)).body.code).toBe('validation_failed')
  })

  it('deactivation stops the user’s tokens at once and keeps the record', async () => {
    const u = await h().user()
    expect((await h().call('get-user', { id: u.id }, u.token)).status).toBe(200)
    expect((await h().call('deactivate-user', { id: u.id }, u.token)).status).toBe(403)
    const res = await h().ok('deactivate-user', { id: u.id }, h().serverKey)
    expect(res.deactivatedAt).toBeTruthy()
    const after = await h().call('get-user', { id: u.id }, u.token)
    expect(after.status).toBe(401)
    expect(after.body.code).toBe('unauthorized')
    expect((await h().call('create-token', { userId: u.id }, h().serverKey)).status).toBe(409)
    expect((await h().call('deactivate-user', { id: 'nobody' }, h().serverKey)).status).toBe(404)
    const listed = await h().ok('list-users', { query: u.id }, h().serverKey)
    expect(listed.data).toEqual([])
    const withDeactivated = await h().ok('list-users', { query: u.id, includeDeactivated: true }, h().serverKey)
    expect(withDeactivated.data).toHaveLength(1)
  })
})

describe('harness', () => {
  it('runs at least on PGlite', async () => {
    const { storeKinds } = await import('../../test/harness.js')
    expect(storeKinds).toContain('pglite')
  })
})
