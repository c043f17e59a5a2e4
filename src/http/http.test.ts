import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'

describeStores('http transport', (h) => {
  it('malformed JSON, non-object bodies and wrong media types are 4xx problems, never 500', async () => {
    const u = await h().user()
    const url = '/v1/users/list'
    const bad = [
      await h().http('POST', url, { token: u.token, rawBody: '{"query": ' }),
      await h().http('POST', url, { token: u.token, rawBody: '[1,2]' }),
      await h().http('POST', url, { token: u.token, rawBody: '"text"' }),
      await h().http('POST', url, { token: u.token, rawBody: 'null' }),
      await h().http('POST', url, { token: u.token, rawBody: 'query=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ]
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 415])
    for (const r of bad) {
      expect(r.headers['content-type']).toContain('application/problem+json')
      expect(r.body).toMatchObject({ code: 'validation_failed', status: r.status, title: expect.any(String), type: expect.any(String), detail: expect.any(String) })
    }
  })

  it('an empty body is an empty object, so POST …/get needs no body', async () => {
    const u = await h().user()
    const res = await h().http('POST', `/v1/users/${u.id}/get`, { token: u.token })
    expect(res.status).toBe(200)
    expect(res.body.id).toBe(u.id)
  })

  it('a path parameter may not be repeated in the body', async () => {
    const u = await h().user()
    const res = await h().http('POST', `/v1/users/${u.id}/get`, { token: u.token, body: { id: 'other' } })
    expect([res.status, res.body.errors[0].path]).toEqual([400, 'id'])
  })

  it('oversized bodies are 413 payload_too_large and write nothing', async () => {
    const id = h().uid()
    const res = await h().http('POST', '/v1/users/upsert', { token: h().serverKey, body: { id, name: 'x', metadata: { blob: 'y'.repeat(1024 * 1024 + 10) } } })
    expect([res.status, res.body.code]).toEqual([413, 'payload_too_large'])
    expect((await h().call('get-user', { id }, h().serverKey)).status).toBe(404)
  })

  it('unknown routes and methods are 404 problems', async () => {
    const a = await h().http('POST', '/v1/nope', { token: h().serverKey })
    const b = await h().http('GET', '/v1/users/list', { token: h().serverKey })
    expect([a.status, a.body.code, b.status, b.body.code]).toEqual([404, 'not_found', 404, 'not_found'])
  })

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    const given = await h().http('GET', '/v1/health', { headers: { 'x-request-id': 'abc-123' } })
    expect(given.headers['x-request-id']).toBe('abc-123')
    const made = await h().http('GET', '/v1/health', { headers: { 'x-request-id': 'bad id with spaces' } })
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  // Metrics (closed by default, behind a token or on their own port): metrics.test.ts.
  it('health reports storage; docs serve the OpenAPI of every op', async () => {
    const health = await h().http('GET', '/v1/health')
    expect(health.status).toBe(200)
    expect(health.body).toMatchObject({ status: 'ok', storage: { kind: h().kind, ok: true } })
    const spec = await h().http('GET', '/docs/json')
    expect(spec.status).toBe(200)
    const { allOps } = await import('../ops/registry.js')
    for (const op of allOps) expect(spec.body.paths[op.path]?.post?.operationId).toBe(op.id)
    const ui = await h().http('GET', '/docs')
    expect(ui.status).toBe(200)
    expect(String(ui.body)).toContain('swagger')
    expect((await h().http('GET', '/docs/static/swagger-ui.css')).status).toBe(200)
  })
})

describeStores('cursors', (h) => {
  it('a crafted cursor is 400 on every paged operation, never 500', async () => {
    const u = await h().user()
    const conv = await h().ok('create-conversation', { type: 'group', name: 'c' }, u.token)
    const crafted = [
      Buffer.from(JSON.stringify([{}, []])).toString('base64url'),
      Buffer.from(JSON.stringify(['not a time', 'x'])).toString('base64url'),
      Buffer.from(JSON.stringify([1, 2])).toString('base64url'),
      Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'not-a-uuid'])).toString('base64url'),
      Buffer.from('not json').toString('base64url'),
      '!!!',
    ]
    const ops: [string, Record<string, unknown>, string][] = [
      ['list-users', {}, u.token],
      ['list-agents', {}, u.token],
      ['list-conversations', {}, u.token],
      ['list-conversations', {}, h().serverKey],
      ['list-agent-conversations', {}, u.token],
      ['list-conversation-members', { id: conv.id }, u.token],
    ]
    // Malformed for every operation: wrong types or not JSON at all.
    const neverValid = new Set([crafted[0], crafted[2], crafted[4], crafted[5]])
    for (const [op, data, token] of ops) {
      for (const cursor of crafted) {
        const res = await h().call(op, { ...data, cursor }, token)
        // A position of the right shape for that operation (say, two strings) is a valid, if empty, page.
        if (res.status === 200 && !neverValid.has(cursor)) continue
        expect([op, res.status, res.body.code, res.body.errors?.[0]?.path]).toEqual([op, 400, 'validation_failed', 'cursor'])
      }
    }
  })
})
