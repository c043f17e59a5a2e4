import { expect, it } from 'vitest'
import fc from 'fast-check'
import WebSocket from 'ws'
import { describeStores } from '../../test/harness.js'
import { TestSocket } from '../../test/ws-client.js'
import { MAX_NESTING, nestsDeeperThan } from './json-nesting.js'

/** `levels` objects inside each other: `{"a":{"a":…1}}`. */
const objects = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels)
const arrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)
/** A value nested `levels` deep, as a parsed object. */
const deepValue = (levels: number) => JSON.parse(objects(levels))

it('measures nesting without parsing, ignoring brackets inside strings', () => {
  expect(nestsDeeperThan(objects(32), 32)).toBe(false)
  expect(nestsDeeperThan(objects(33), 32)).toBe(true)
  expect(nestsDeeperThan(arrays(1_000_000), 32)).toBe(true)
  expect(nestsDeeperThan(`{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, 32)).toBe(false)
  expect(nestsDeeperThan('[' + '[],'.repeat(1000) + '[]]', 2)).toBe(false)
})

/** The depth of a parsed value, by an explicit stack (the reference the text scan must agree with). */
function depthOf(value: unknown): number {
  let max = 0
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [v, d] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    max = Math.max(max, d)
    for (const x of Object.values(v)) stack.push([x, d + 1])
  }
  return max
}

it('agrees with the depth of the parsed value on any JSON, escapes and brackets in strings included', () => {
  const text = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', '\u00e9') })
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: 12 }, text, fc.integer(), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
  })).value
  fc.assert(
    fc.property(json, fc.integer({ min: 0, max: 14 }), (v, limit) => {
      const s = JSON.stringify(v)
      expect(nestsDeeperThan(s, limit)).toBe(depthOf(JSON.parse(s)) > limit)
    }),
    { numRuns: 2000, seed: 6 },
  )
})

describeStores('nesting limit', (h) => {
  it('a body nested deeper than the limit is 400 validation_failed on every authenticated operation, never 500', async () => {
    const u = await h().user()
    for (const raw of [objects(5_000), objects(100_000), arrays(100_000), `{"x":${arrays(50_000)}}`, objects(MAX_NESTING + 1)]) {
      for (const [url, token] of [[`/v1/users/${u.id}/get`, u.token], ['/v1/users/upsert', h().serverKey], ['/v1/conversations/list', u.token]] as const) {
        const res = await h().http('POST', url, { token, rawBody: raw })
        expect([url, res.status, res.body?.code]).toEqual([url, 400, 'validation_failed'])
        expect(res.headers['content-type']).toContain('application/problem+json')
        expect(res.body.detail).toContain(`${MAX_NESTING} levels`)
      }
    }
  })

  it(`accepts ${MAX_NESTING} levels and refuses ${MAX_NESTING + 1}, counting the body as the first`, async () => {
    const id = h().uid()
    // body (1) → metadata (2) → … : metadata nested 31 deep makes a body of 32.
    const ok = await h().call('upsert-user', { id, name: 'deep', metadata: deepValue(MAX_NESTING - 1) }, h().serverKey)
    expect(ok.status).toBeLessThan(300)
    const tooDeep = await h().call('upsert-user', { id, name: 'deep', metadata: deepValue(MAX_NESTING) }, h().serverKey)
    expect([tooDeep.status, tooDeep.body.code]).toEqual([400, 'validation_failed'])
  })

  it('a crafted deeply nested cursor is 400 on cursor', async () => {
    const u = await h().user()
    // Cursors are at most 512 characters: as deep as that allows.
    const cursor = Buffer.from(arrays(190)).toString('base64url')
    const res = await h().call('list-users', { cursor }, u.token)
    expect([res.status, res.body.errors?.[0]?.path]).toEqual([400, 'cursor'])
  })

  it('over the socket a deep call answers validation_failed, not retryable, and the socket goes on', async () => {
    const url = await h().listen()
    const u = await h().user()
    const { socket } = await TestSocket.ready(url, u.token)
    const frame = (id: string, data: string) => `{"type":"call","id":"${id}","op":"get-user","data":${data}}`
    for (const [id, data] of [['d1', objects(5_000)], ['d2', objects(MAX_NESTING + 1)], ['d3', `{"id":"${u.id}","x":${arrays(100_000)}}`]]) {
      socket.send(frame(id, data))
      const res = await socket.next((f) => f.type === 'result' && f.id === id)
      expect(res).toMatchObject({ ok: false, error: { code: 'validation_failed', retryable: false } })
    }
    // The same limit as HTTP: an input of 32 levels is fine.
    const created = await socket.call('create-conversation', { type: 'group', name: 'g', metadata: deepValue(MAX_NESTING - 1) })
    expect(created.ok).toBe(true)
    const refused = await socket.call('create-conversation', { type: 'group', name: 'g', metadata: deepValue(MAX_NESTING) })
    expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed', retryable: false } })
    // A deep frame whose id cannot be read without parsing it is answered with an error frame.
    socket.send(`{"type":"call","data":${objects(5_000)},"id":"late","op":"get-user"}`)
    expect(await socket.next((f) => f.type === 'error')).toMatchObject({ error: { code: 'validation_failed' } })
    expect(await socket.call('get-user', { id: u.id })).toMatchObject({ ok: true, data: { id: u.id } })
    expect(socket.ws.readyState).toBe(WebSocket.OPEN)
    await socket.close()
  })
})
