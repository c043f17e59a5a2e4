/**
 * The WebSocket fuzzer, over real sockets: malformed JSON, non-objects, unknown frame types,
 * call frames with junk ops and junk or mutated data, binary frames, deep nesting. Every
 * frame gets exactly one answer (or the socket closes with a documented code); no answer is
 * an internal error; `retryable` is true only for rate_limited and unavailable; and the
 * server goes on serving. The frame rate limit is raised so the fuzzer need not pace itself.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import fc from 'fast-check'
import { allOps } from '../../src/ops/registry.js'
import { describeStores } from '../harness.js'
import { TestSocket } from '../ws-client.js'
import { junk, mutatedBody, nastyKey, nastyString, nest, nestText, rawBody } from './arbitraries.js'
import { fixtureFor } from './fixtures.js'
import { DOCUMENTED_CLOSE_CODES, frameViolation } from './invariants.js'
import { plausibleBody } from './plausible.js'
import { FUZZ_SEED, fuzz, fuzzTimeout } from './settings.js'
import { buildWorld, type World } from './world.js'

const RUNS = { first: 150, frames: 500, calls: 800 }
const CALL_ID = /^[\w.:-]{1,64}$/

type Outgoing = { text: string } | { binary: Buffer }

describeStores(
  'websocket fuzzer',
  (h, kind) => {
    let w: World
    let url: string
    const samples = new Map<string, Record<string, unknown>>()
    const sockets: Record<'admin' | 'agent', TestSocket | undefined> = { admin: undefined, agent: undefined }
    const stats = { frames: 0, answers: 0, closes: new Map<number, number>() }

    beforeAll(async () => {
      w = await buildWorld(h())
      url = await h().listen()
      for (const op of allOps) samples.set(op.id, await fixtureFor(op).sample(w))
    })
    afterAll(async () => {
      await Promise.all(Object.values(sockets).map((s) => s?.close()))
      const closes = [...stats.closes].map(([c, n]) => `${c}×${n}`).join(' ') || 'none'
      console.log(`websocket fuzzer [${kind}]: ${stats.frames} frames, ${stats.answers} answers, closes ${closes} (seed ${FUZZ_SEED})`)
    })

    async function socketOf(role: 'admin' | 'agent'): Promise<TestSocket> {
      sockets[role] ??= (await TestSocket.ready(url, role === 'admin' ? w.admin.token : w.agent.token)).socket
      return sockets[role]!
    }

    /**
     * Sends one frame and awaits its one answer, or the socket's close (then a fresh socket
     * replaces it). Throws on a broken invariant, naming the frame and what came back.
     */
    async function exchange(role: 'admin' | 'agent', out: Outgoing): Promise<any> {
      const s = await socketOf(role)
      const shown = 'text' in out ? (out.text.length > 300 ? `${out.text.slice(0, 300)}… (${out.text.length} chars)` : out.text) : `<binary ${out.binary.length} bytes>`
      if ('text' in out) s.ws.send(out.text)
      else s.ws.send(out.binary, { binary: true })
      stats.frames++
      const answer = s.next((f) => f.type !== 'event' && f.type !== 'session.ready', 10_000)
      answer.catch(() => undefined)
      const got = await Promise.race([answer.then((f) => ({ f })), s.closed.then((c) => ({ c }))]).catch((err) => ({ err: err as Error }))
      if ('err' in got) throw new Error(`no answer to the frame ${shown}: ${got.err.message}`)
      if ('c' in got) {
        sockets[role] = undefined
        stats.closes.set(got.c.code, (stats.closes.get(got.c.code) ?? 0) + 1)
        if (!DOCUMENTED_CLOSE_CODES.has(got.c.code)) throw new Error(`the socket closed with undocumented code ${got.c.code} (${got.c.reason}) after ${shown}`)
        return undefined
      }
      stats.answers++
      const f = got.f
      const violation = frameViolation(f)
      if (violation) throw new Error(`${violation}\nframe:  ${shown}\nanswer: ${JSON.stringify(f).slice(0, 500)}`)
      const sent = 'text' in out ? parsed(out.text) : undefined
      if (f.type === 'result' && sent?.type === 'call' && f.id !== sent.id) throw new Error(`a result for id ${f.id} answered a call with id ${JSON.stringify(sent.id)}\nframe: ${shown}`)
      if (f.type === 'pong' && sent?.type !== 'ping') throw new Error(`a pong answered ${shown}`)
      return f
    }

    const parsed = (text: string): any => {
      try {
        return JSON.parse(text)
      } catch {
        return undefined
      }
    }

    const opIds = allOps.map((o) => o.id)
    const role = fc.constantFrom<'admin' | 'agent'>('admin', 'agent')
    const callId = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(CALL_ID) }, { weight: 1, arbitrary: junk })

    /** Frames that are not calls: not JSON, not objects, unknown or malformed types, binary. */
    const otherFrame: fc.Arbitrary<Outgoing> = fc.oneof(
      rawBody.map((b) => (b === undefined ? { text: '' } : typeof b === 'string' ? { text: b } : { binary: b })),
      fc.constantFrom('null', '1', '"call"', '[]', 'true', '[{"type":"ping"}]', '{}', '{"type":null}', '{"type":["ping"]}', '{"type":"PING"}').map((text) => ({ text })),
      fc.record({ type: fc.oneof(nastyString, junk) }).map((f) => ({ text: JSON.stringify(f) })),
      fc.dictionary(nastyKey, junk, { maxKeys: 3 }).map((extra) => ({ text: JSON.stringify({ ...extra, type: 'ping' }) })),
      fc.record({ type: fc.constant('auth'), token: junk }).map((f) => ({ text: JSON.stringify(f) })),
      fc.uint8Array({ maxLength: 64 }).map((b) => ({ binary: Buffer.from(b) })),
    )

    /** Call frames: junk ops, junk ids, and real ops with mutated, plausible or junk data. */
    const callFrame: fc.Arbitrary<Outgoing> = fc
      .constantFrom(...opIds)
      .chain((opId) => {
        const sample = samples.get(opId)!
        const op = allOps.find((o) => o.id === opId)!
        return fc.record(
          {
            type: fc.constant('call'),
            id: callId,
            op: fc.oneof({ weight: 6, arbitrary: fc.constant(opId) }, { weight: 1, arbitrary: fc.oneof(nastyString, junk, fc.constant(opId.toUpperCase())) }),
            data: fc.oneof({ weight: 3, arbitrary: mutatedBody(sample) }, { weight: 3, arbitrary: plausibleBody(op, sample, w) }, { weight: 1, arbitrary: junk }, { weight: 1, arbitrary: fc.constant(sample) }),
          },
          { requiredKeys: ['type', 'id', 'op'] },
        )
      })
      .map((f) => ({ text: JSON.stringify(f) }))

    /**
     * The first frame of a socket opened without a token: an `auth` frame with a junk token, or
     * anything else. It is answered, or the socket is closed with a documented code (4001 for
     * credentials that are not a token); either way the server goes on serving.
     */
    async function firstFrame(out: Outgoing): Promise<void> {
      const s = await TestSocket.open(url)
      const text = 'text' in out ? out.text : `<binary ${out.binary.length} bytes>`
      if ('text' in out) s.ws.send(out.text)
      else s.ws.send(out.binary, { binary: true })
      stats.frames++
      const answer = s.next((f) => f.type !== 'event', 3_000)
      answer.catch(() => undefined)
      const got = await Promise.race([answer.then((f) => ({ f })), s.closed.then((c) => ({ c }))]).catch((err) => ({ err: err as Error }))
      if ('err' in got) throw new Error(`no answer and no close after the first frame ${text.slice(0, 300)}: ${got.err.message}`)
      if ('c' in got) {
        stats.closes.set(got.c.code, (stats.closes.get(got.c.code) ?? 0) + 1)
        if (!DOCUMENTED_CLOSE_CODES.has(got.c.code)) throw new Error(`closed with undocumented code ${got.c.code} after the first frame ${text.slice(0, 300)}`)
      } else {
        stats.answers++
        const violation = frameViolation(got.f)
        if (violation) throw new Error(`${violation}\nfirst frame: ${text.slice(0, 300)}\nanswer: ${JSON.stringify(got.f).slice(0, 300)}`)
        s.ws.terminate()
      }
      const health = await h().http('GET', '/v1/health')
      if (health.status !== 200) throw new Error(`the server stopped serving after the first frame ${text.slice(0, 300)}`)
    }

    const authFrame: fc.Arbitrary<Outgoing> = fc
      .oneof(
        fc.record({ type: fc.constant('auth'), token: junk }),
        fc.record({ type: fc.constant('auth'), token: fc.oneof(nastyString, fc.constantFrom('pk_agent_', 'Bearer x', 'psk_', 'e30.e30.')) }),
        fc.record({ type: fc.constant('auth') }),
      )
      .map((f) => ({ text: JSON.stringify(f) }))

    it(
      'the first frame of an unauthenticated socket: junk auth frames and others are answered or closed, never a crash',
      async () => {
        await fuzz('ws first frame', fc.oneof(authFrame, otherFrame), firstFrame, RUNS.first)
      },
      fuzzTimeout(),
    )

    it(
      'frames that are not calls: each is answered, never with an internal error',
      async () => {
        await fuzz('ws frames', fc.record({ role, out: otherFrame }), async (c) => void (await exchange(c.role, c.out)), RUNS.frames)
      },
      fuzzTimeout(),
    )

    it(
      'call frames with junk and mutated data: one result each, retryable only when it may be',
      async () => {
        await fuzz('ws calls', fc.record({ role, out: callFrame }), async (c) => void (await exchange(c.role, c.out)), RUNS.calls)
      },
      fuzzTimeout(),
    )

    it('deep nesting (5,000 levels) is refused as validation_failed and the socket stays usable', async () => {
      const deep = nestText(5_000)
      const answers = [
        await exchange('admin', { text: `{"type":"call","id":"deep-1","op":"list-users","data":${deep}}` }),
        await exchange('admin', { text: `{"type":"call","op":"list-users","data":{"query":${nestText(5_000, '1', 'array')}},"id":"deep-2"}` }),
        await exchange('admin', { text: nestText(5_000, '1', 'array') }),
        await exchange('admin', { text: `{"type":"ping","x":${deep}}` }),
        await exchange('admin', { text: `{"type":"call","id":"deep-3","op":"create-conversation","data":{"type":"group","name":"n","metadata":{"deep":${JSON.stringify(nest(40, 1, 'mixed'))}}}}` }),
      ]
      expect(answers.map((a) => [a?.type, a?.id, a?.error?.code])).toEqual([
        ['result', 'deep-1', 'validation_failed'],
        // The id comes after the nesting, so the answer cannot name the call.
        [expect.stringMatching(/^(result|error)$/), answers[1]?.type === 'result' ? 'deep-2' : undefined, 'validation_failed'],
        ['error', undefined, 'validation_failed'],
        ['error', undefined, 'validation_failed'],
        ['result', 'deep-3', 'validation_failed'],
      ])
      const fine = await exchange('admin', { text: JSON.stringify({ type: 'call', id: 'ok-16', op: 'create-conversation', data: { type: 'group', name: 'n', metadata: { deep: nest(16, 1, 'mixed') } } }) })
      expect([fine?.id, fine?.ok], JSON.stringify(fine)).toEqual(['ok-16', true])
      expect(await exchange('admin', { text: '{"type":"ping"}' })).toEqual({ type: 'pong' })
    })

    it('a frame over the size limit closes the socket with 1009, and a new socket works', async () => {
      const s = (await TestSocket.ready(url, w.member.token)).socket
      s.send(JSON.stringify({ type: 'call', id: 'big', op: 'list-users', data: { query: 'x'.repeat(h().parley.services.config.wsMaxFrameBytes + 10) } }))
      const { code } = await s.closed
      expect(DOCUMENTED_CLOSE_CODES.has(code), `close code ${code}`).toBe(true)
      expect(code).toBe(1009)
      const again = (await TestSocket.ready(url, w.member.token)).socket
      expect(await again.call('get-user', { id: w.member.id })).toMatchObject({ ok: true })
      await again.close()
    })

    it('after all that the server still serves: HTTP health, a new session, a call on every fuzzed socket', async () => {
      expect((await h().http('GET', '/v1/health')).status).toBe(200)
      const fresh = (await TestSocket.ready(url, w.stranger.token)).socket
      expect(await fresh.call('get-user', { id: w.stranger.id })).toMatchObject({ ok: true, data: { id: w.stranger.id } })
      await fresh.close()
      for (const r of ['admin', 'agent'] as const) expect(await exchange(r, { text: JSON.stringify({ type: 'call', id: 'last', op: 'list-conversations', data: {} }) })).toMatchObject({ id: 'last', ok: true })
    })
  },
  // The fuzzer sends as fast as the server answers; the default (50/s) would close it (4009).
  { wsFramesPerSecond: 100_000 },
)
