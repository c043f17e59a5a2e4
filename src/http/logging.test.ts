import { expect, it } from 'vitest'
import pino from 'pino'
import { Writable } from 'node:stream'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { rawExchange, rawGet } from '../../test/raw-http.js'

/** Every line the service logs, raw, as pino wrote it. */
const lines: string[] = []
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    done()
  },
})
const log = pino({ level: 'debug' }, sink)

describeStores(
  'log lines',
  (h) => {
    it('name the request id once, in every line: requests, failures, framework and socket errors', async () => {
      const u = await h().user()
      await h().http('GET', '/v1/health', { headers: { 'x-request-id': 'req-one' } })
      await h().call('get-user', { id: u.id }, u.token)
      await h().http('POST', '/v1/users/%ZZ/get', { token: u.token })
      // An unexpected failure: the error handler and the response hook both log it.
      const auth = h().parley.services.auth as { authenticate: (t?: string) => Promise<unknown> }
      const real = auth.authenticate
      auth.authenticate = async () => {
        throw new Error('boom')
      }
      try {
        const failed = await h().http('POST', '/v1/users/list', { token: u.token, headers: { 'x-request-id': 'req-boom' } })
        expect(failed.status).toBe(500)
      } finally {
        auth.authenticate = real
      }
      await rawExchange(await h().listen(), [rawGet(Buffer.from([0x2f, 0xff]))])
      const { socket } = await TestSocket.ready(await h().listen(), u.token)
      await socket.call('get-user', { id: u.id })
      await socket.close()

      const boom = lines.filter((l) => l.includes('req-boom'))
      expect(boom.length).toBeGreaterThanOrEqual(2)
      expect(lines.some((l) => l.includes('"req-one"'))).toBe(true)
      for (const line of lines) {
        const count = line.split('"reqId"').length - 1
        expect(count, line).toBeLessThanOrEqual(1)
      }
      // Each request's lines carry its id.
      for (const line of boom) expect(JSON.parse(line).reqId).toBe('req-boom')
    })
  },
  {},
  { log },
)
