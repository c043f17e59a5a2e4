import { describe, expect, it } from 'vitest'
import { parseNatsUrl, redactNatsUrl } from './nats-url.js'
import { NatsBus } from './nats-bus.js'
import { openBus } from './open-bus.js'
import { recordingLog } from './test-fixtures.js'

describe('NATS_URL', () => {
  it('takes one server, several, a missing scheme or port', () => {
    expect(parseNatsUrl('nats://127.0.0.1:4222')).toEqual({ servers: ['127.0.0.1:4222'], tls: false })
    expect(parseNatsUrl('nats://a:1, nats://b:2,c')).toEqual({ servers: ['a:1', 'b:2', 'c:4222'], tls: false })
    expect(parseNatsUrl('tls://n.example:4443').tls).toBe(true)
  })

  it('takes user and password, or a token, out of the URL', () => {
    expect(parseNatsUrl('nats://parley:s%40cret@n:4222')).toMatchObject({ servers: ['n:4222'], user: 'parley', pass: 's@cret' })
    expect(parseNatsUrl('nats://tok123@n:4222')).toMatchObject({ servers: ['n:4222'], token: 'tok123' })
  })

  it('refuses what is not a NATS URL', () => {
    expect(() => parseNatsUrl('')).toThrow(/empty/)
    expect(() => parseNatsUrl('http://n:4222')).toThrow(/nats:\/\/ or tls:\/\//)
  })

  it('redacts credentials for logs', () => {
    expect(redactNatsUrl('nats://u:p@a:1,nats://tok@b:2')).toBe('nats://[redacted]@a:1,nats://[redacted]@b:2')
  })
})

describe('openBus', () => {
  it('opens the memory bus when no NATS_URL is configured', async () => {
    const bus = await openBus({ log: recordingLog() })
    expect(bus.kind).toBe('memory')
    await bus.close()
  })

  it('fails fast, without the password, when NATS cannot be reached at start', async () => {
    // Port 1 on loopback refuses connections at once.
    const start = Date.now()
    const err = await NatsBus.connect({ url: 'nats://u:hunter2@127.0.0.1:1', log: recordingLog(), connectTimeoutMs: 2_000 }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/cannot connect to NATS at nats:\/\/\[redacted\]@127\.0\.0\.1:1/)
    expect((err as Error).message).not.toContain('hunter2')
    expect(Date.now() - start).toBeLessThan(2_500)
  })
})
