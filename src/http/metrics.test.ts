import { expect, it } from 'vitest'
import { describeStores, Harness, storeKinds } from '../../test/harness.js'
import { loadConfig } from '../config.js'

const TOKEN = 'metrics-test-token-0123456789'

it('reads PARLEY_METRICS_TOKEN, PARLEY_METRICS_PORT and PARLEY_METRICS_HOST', () => {
  expect(loadConfig({})).toMatchObject({ metricsToken: undefined, metricsPort: undefined, metricsHost: '127.0.0.1' })
  expect(loadConfig({ PARLEY_METRICS_TOKEN: 't', PARLEY_METRICS_PORT: '9464', PARLEY_METRICS_HOST: '0.0.0.0' })).toMatchObject({
    metricsToken: 't',
    metricsPort: 9464,
    metricsHost: '0.0.0.0',
  })
  expect(() => loadConfig({ PARLEY_METRICS_PORT: 'x' })).toThrow(/PARLEY_METRICS_PORT/)
})

describeStores('metrics, closed by default', (h) => {
  it('/metrics on the main port is a 404 problem when neither a token nor a port is configured', async () => {
    for (const token of [undefined, h().serverKey]) {
      const res = await h().http('GET', '/metrics', { token })
      expect([res.status, res.body.code]).toEqual([404, 'not_found'])
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
    expect(h().parley.metricsUrl).toBeUndefined()
  })
})

describeStores(
  'metrics behind a token',
  (h) => {
    it('needs PARLEY_METRICS_TOKEN as a bearer; anything else is a 401 problem', async () => {
      const u = await h().user()
      for (const token of [undefined, 'wrong', h().serverKey, u.token, TOKEN + 'x']) {
        const res = await h().http('GET', '/metrics', { token })
        expect([res.status, res.body.code]).toEqual([401, 'unauthorized'])
        expect(res.headers['content-type']).toContain('application/problem+json')
      }
      await h().call('list-users', {}, h().serverKey)
      const res = await h().http('GET', '/metrics', { token: TOKEN })
      expect(res.status).toBe(200)
      expect(String(res.body)).toMatch(/parley_http_requests_total\{op="list-users",status="200"\} \d+/)
      expect(String(res.body)).toContain('parley_http_request_duration_seconds_bucket')
    })
  },
  { metricsToken: TOKEN },
)

describeStores(
  'metrics on their own port',
  (h) => {
    it('serves /metrics on PARLEY_METRICS_PORT (loopback by default) and not on the main port', async () => {
      const url = h().parley.metricsUrl!
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      await h().call('list-users', {}, h().serverKey)
      const res = await fetch(`${url}/metrics`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/plain')
      expect(await res.text()).toMatch(/parley_http_requests_total\{op="list-users",status="200"\} \d+/)
      const other = await fetch(`${url}/v1/health`)
      expect(other.status).toBe(404)
      expect(other.headers.get('content-type')).toContain('application/problem+json')
      expect(await other.json()).toMatchObject({ code: 'not_found', status: 404 })
      const post = await fetch(`${url}/metrics`, { method: 'POST' })
      expect(post.status).toBe(404)
      const main = await h().http('GET', '/metrics')
      expect([main.status, main.body.code]).toEqual([404, 'not_found'])
    })
  },
  { metricsPort: 0 },
)

it('the metrics listener closes with the service', async () => {
  const h = await Harness.start(storeKinds[0], { metricsPort: 0 })
  const url = h.parley.metricsUrl!
  expect((await fetch(`${url}/metrics`)).status).toBe(200)
  await h.close()
  await expect(fetch(`${url}/metrics`)).rejects.toThrow()
})
