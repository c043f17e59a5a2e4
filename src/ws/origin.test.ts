import { expect, it } from 'vitest'
import WebSocket from 'ws'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { CloseCode } from '../protocol/frames.js'

/** Opens the socket with a chosen Host and Origin, as a browser on a rebinding domain would. */
async function open(baseUrl: string, token: string, opts: { host?: string; origin?: string }): Promise<{ code: number } | 'ready'> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/v1/ws?token=${encodeURIComponent(token)}`
  const s = new TestSocket(new WebSocket(url, { ...(opts.origin ? { origin: opts.origin } : {}), headers: opts.host ? { host: opts.host } : {} }))
  await s.opened
  const first = await Promise.race([s.next((f) => f.type === 'session.ready').then(() => 'ready' as const), s.closed])
  if (first === 'ready') await s.close()
  return first === 'ready' ? 'ready' : { code: first.code }
}

const refused = { code: CloseCode.ForbiddenOrigin }

describeStores('websocket origin, no public URL', (h) => {
  it('treats Host as the own origin only when it is a loopback name', async () => {
    const url = await h().listen()
    const u = await h().user()
    const port = new URL(url).port
    expect(await open(url, u.token, { host: 'evil.example', origin: 'http://evil.example' })).toEqual(refused)
    expect(await open(url, u.token, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` })).toEqual(refused)
    expect(await open(url, u.token, { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` })).toBe('ready')
    expect(await open(url, u.token, { host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe('ready')
    expect(await open(url, u.token, { host: `[::1]:${port}`, origin: `http://[::1]:${port}` })).toBe('ready')
    expect(await open(url, u.token, { host: `localhost:${port}`, origin: 'http://evil.example' })).toEqual(refused)
    expect(await open(url, u.token, { host: 'evil.example' })).toBe('ready')
  })
})

describeStores(
  'websocket origin with PARLEY_PUBLIC_URL',
  (h) => {
    it('the own origin is the public URL’s, never Host; listed origins and no Origin are allowed', async () => {
      const url = await h().listen()
      const u = await h().user()
      const port = new URL(url).port
      expect(await open(url, u.token, { origin: 'https://chat.example.com' })).toBe('ready')
      expect(await open(url, u.token, { host: 'chat.example.com', origin: 'https://chat.example.com' })).toBe('ready')
      expect(await open(url, u.token, { origin: 'https://app.example.com' })).toBe('ready')
      expect(await open(url, u.token, {})).toBe('ready')
      expect(await open(url, u.token, { host: 'evil.example', origin: 'http://evil.example' })).toEqual(refused)
      expect(await open(url, u.token, { host: 'evil.example', origin: 'https://evil.example' })).toEqual(refused)
      expect(await open(url, u.token, { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` })).toEqual(refused)
      expect(await open(url, u.token, { origin: 'http://chat.example.com' })).toEqual(refused)
    })
  },
  { publicUrl: 'https://chat.example.com/parley/', allowedOrigins: ['https://app.example.com'] },
)
