import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { CloseCode, PROTOCOL_VERSION, shouldReconnect } from '../protocol/frames.js'
import { protocolSupported } from './protocol-version.js'

/** A socket on `/v1/ws` with the given query string, as a TestSocket. */
async function open(baseUrl: string, query: string): Promise<TestSocket> {
  const s = new TestSocket(new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws${query}`))
  await s.opened
  return s
}

describe('protocolSupported', () => {
  it('takes nothing stated as the current version and refuses anything but a supported integer', () => {
    expect([undefined, 1, '1'].map(protocolSupported)).toEqual([true, true, true])
    expect([0, 2, '2', 'abc', '1.0', 1.5, ['1', '1'], null, ''].map(protocolSupported)).toEqual(Array(9).fill(false))
    expect(shouldReconnect(CloseCode.UnsupportedProtocol)).toBe(false)
  })
})

describeStores('protocol version on connect', (h) => {
  it('accepts the current version (query or auth frame) or none; refuses another with UnsupportedProtocol', async () => {
    const url = await h().listen()
    const u = await h().user()
    const token = encodeURIComponent(u.token)

    const stated = await open(url, `?protocol=${PROTOCOL_VERSION}&token=${token}`)
    expect(await stated.next((f) => f.type === 'session.ready')).toMatchObject({ protocol: PROTOCOL_VERSION })
    await stated.close()
    const unstated = await open(url, `?token=${token}`)
    expect(await unstated.next((f) => f.type === 'session.ready')).toMatchObject({ protocol: PROTOCOL_VERSION })
    await unstated.close()
    const inFrame = await open(url, '')
    inFrame.send({ type: 'auth', token: u.token, protocol: PROTOCOL_VERSION })
    await inFrame.next((f) => f.type === 'session.ready')
    await inFrame.close()

    // Refused before authenticating: no session.ready, a close code that says not to reconnect.
    const future = await open(url, `?protocol=${PROTOCOL_VERSION + 1}&token=${token}`)
    const closed = await future.closed
    expect(closed.code).toBe(CloseCode.UnsupportedProtocol)
    expect(closed.reason).toMatch(/unsupported protocol version/)
    expect(future.drain()).toEqual([])
    const garbage = await open(url, '?protocol=abc')
    expect((await garbage.closed).code).toBe(CloseCode.UnsupportedProtocol)
    const frame = await open(url, '')
    frame.send({ type: 'auth', token: u.token, protocol: 99 })
    expect((await frame.closed).code).toBe(CloseCode.UnsupportedProtocol)
    expect(frame.drain((f) => f.type === 'session.ready')).toEqual([])
  })
})
