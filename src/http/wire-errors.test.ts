import { expect, it } from 'vitest'
import { describeStores } from '../../test/harness.js'
import { rawExchange, rawGet, type RawResponse } from '../../test/raw-http.js'
import { fromFastify, fromStatus } from './problem.js'

function expectProblem(r: RawResponse, status: number) {
  expect(r.status).toBe(status)
  expect(r.headers['content-type']).toContain('application/problem+json')
  expect(JSON.parse(r.body)).toMatchObject({ status, code: expect.any(String), title: expect.any(String), detail: expect.any(String) })
}

it('maps every Fastify error a request can cause onto a stable code', () => {
  const cases: [string, number, string][] = [
    ['FST_ERR_BAD_URL', 400, 'validation_failed'],
    ['FST_ERR_INVALID_URL', 400, 'validation_failed'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'validation_failed'],
    ['FST_ERR_ASYNC_CONSTRAINT', 500, 'internal'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'payload_too_large'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'validation_failed'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'validation_failed'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'validation_failed'],
    ['FST_ERR_NOT_FOUND', 404, 'not_found'],
  ]
  for (const [code, status, ours] of cases) {
    const e = fromFastify(Object.assign(new Error('x'), { code, statusCode: status }))
    expect([code, e.status, e.code]).toEqual([code, status, ours])
  }
  expect([fromStatus(404, 'GET /x').code, fromStatus(405, 'GET /x').status, fromStatus(502, 'GET /x').code]).toEqual(['not_found', 405, 'internal'])
})

describeStores('errors on the wire', (h) => {
  it('router errors are problems with a stable code: bad percent-encoding, an over-long path segment', async () => {
    const badUrl = await h().http('POST', '/v1/users/%ZZ/get', { token: h().serverKey })
    expect([badUrl.status, badUrl.body.code]).toEqual([400, 'validation_failed'])
    expect(badUrl.headers['content-type']).toContain('application/problem+json')
    const long = await h().http('POST', `/v1/users/${'x'.repeat(2000)}/get`, { token: h().serverKey })
    expect([long.status, long.body.code]).toEqual([414, 'validation_failed'])
    expect(long.headers['content-type']).toContain('application/problem+json')
  })

  it('unknown routes and method mismatches are 404 problems', async () => {
    const cases: [any, string][] = [
      ['GET', '/v1/users/x/get'],
      ['PUT', '/v1/users/upsert'],
      ['DELETE', '/v1/users/x/get'],
      ['PATCH', '/v1/health'],
      ['POST', '/v1/health'],
      ['OPTIONS', '/v1/users/upsert'],
      ['POST', '/metricsx'],
      ['GET', '/docs/static/nope.css'],
      // The socket route, asked without an upgrade (the websocket plugin answers a bare 404).
      ['GET', '/v1/ws'],
      ['POST', '/v1/ws'],
    ]
    for (const [method, url] of cases) {
      const res = await h().parley.app.inject({ method, url, headers: { authorization: `Bearer ${h().serverKey}` } })
      expect([method, url, res.statusCode, res.headers['content-type']]).toEqual([method, url, 404, expect.stringContaining('application/problem+json')])
      expect(JSON.parse(res.body)).toMatchObject({ code: 'not_found', status: 404 })
    }
  })

  it('over a real socket: a request Node refuses (0xff in the path) is a problem that says Connection: close', async () => {
    const url = await h().listen()
    const ex = await rawExchange(url, [rawGet('/v1/health'), rawGet(Buffer.from([0x2f, 0xff])), rawGet('/v1/health')])
    expect(ex.responses.map((r) => r.status)).toEqual([200, 400])
    expect(ex.responses[0].headers.connection).not.toBe('close')
    expectProblem(ex.responses[1], 400)
    expect(ex.responses[1].headers.connection).toBe('close')
    expect(JSON.parse(ex.responses[1].body).code).toBe('validation_failed')
    expect(ex.ended).toBe('closed')
  })

  it('over a real socket: oversized headers are a 431 problem that says Connection: close', async () => {
    const url = await h().listen()
    const ex = await rawExchange(url, [rawGet('/v1/health'), rawGet('/v1/health', `Host: localhost\r\nX-Big: ${'b'.repeat(20_000)}\r\n`)])
    expect(ex.responses.map((r) => r.status)).toEqual([200, 431])
    expectProblem(ex.responses[1], 431)
    expect(ex.responses[1].headers.connection).toBe('close')
    expect(ex.ended).toBe('closed')
  })

  it('over a real socket: router errors keep the connection usable', async () => {
    const url = await h().listen()
    const ex = await rawExchange(url, [rawGet('/v1/users/%ZZ/get'), rawGet('/v1/nope'), rawGet('/v1/health')])
    expect(ex.responses.map((r) => r.status)).toEqual([400, 404, 200])
    expectProblem(ex.responses[0], 400)
    expectProblem(ex.responses[1], 404)
  })

  it('over a real socket: a body over the limit is a 413 problem, and a closing connection says so', async () => {
    const url = await h().listen()
    const big = 'x'.repeat(2 * 1024 * 1024)
    const req = `POST /v1/users/upsert HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`
    const ex = await rawExchange(url, [req, rawGet('/v1/health')])
    expectProblem(ex.responses[0], 413)
    if (ex.responses.length === 1) expect(ex.responses[0].headers.connection).toBe('close')
    else expect(ex.responses[1].status).toBe(200)
  })
})
