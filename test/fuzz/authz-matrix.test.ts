/**
 * The authorization matrix: every operation of the registry × every kind of caller, over
 * HTTP, and the participants' cells again over the WebSocket `call` frame. Expectations come
 * from the registry (`callers`) and the fixture's profile (access.ts), so a new operation is
 * covered as soon as it has a fixture — and the suite fails until it has one.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { allOps } from '../../src/ops/registry.js'
import type { AnyOp } from '../../src/ops/define-op.js'
import { uuidv7, isUuid } from '../../src/lib/ids.js'
import { CloseCode } from '../../src/protocol/frames.js'
import { describeStores } from '../harness.js'
import { TestSocket } from '../ws-client.js'
import { badCredentials, expectedOutcome, PARTICIPANT_ROLES, ROLES, tokenOf, type Outcome, type Role } from './access.js'
import { FIXTURES, fixtureFor, fixtureGaps, type Fixture } from './fixtures.js'
import { answerViolation, frameViolation } from './invariants.js'
import { bearer, callOp, describeExchange, splitInput, urlOf, type Wire } from './wire.js'
import { buildWorld, type World } from './world.js'

const outcomeOf = (res: Wire): string => (res.status >= 200 && res.status < 300 ? '2xx' : String(res.json?.code ?? `status ${res.status}`))

/** A well-formed id of the same kind as `id` that names nothing. */
const absentLike = (id: unknown) => (typeof id === 'string' && isUuid(id) ? uuidv7() : `absent_${randomBytes(6).toString('hex')}`)

/** An answer with the given ids blanked out, to compare answers that differ only by the id asked for. */
const normalized = (res: Wire, ids: unknown[]) => {
  let text = res.text
  for (const id of ids) if (typeof id === 'string' && id) text = text.split(id).join('<id>')
  return { status: res.status, contentType: res.contentType, body: text }
}

describeStores('authorization matrix', (h, kind) => {
  let w: World
  let bad: Awaited<ReturnType<typeof badCredentials>>
  const sockets = new Map<Role, TestSocket>()
  const counts = { http: 0, ws: 0 }

  beforeAll(async () => {
    w = await buildWorld(h())
    bad = await badCredentials(w)
    const url = await h().listen()
    for (const role of PARTICIPANT_ROLES) sockets.set(role, (await TestSocket.ready(url, tokenOf(w, role))).socket)
  })
  afterAll(async () => {
    await Promise.all([...sockets.values()].map((s) => s.close()))
    console.log(`authz matrix [${kind}]: ${counts.http + counts.ws} checks (${counts.http} over HTTP, ${counts.ws} over the WebSocket)`)
  })

  it('every operation of the registry has a fixture, and every fixture an operation', () => {
    expect(fixtureGaps(allOps)).toEqual({ missing: [], stale: [] })
  })

  /** One call as `role` with `authorization`; a refusal must be a problem and change nothing. */
  async function cell(op: AnyOp, f: Fixture, authorization: string | undefined, problems: string[], label: string): Promise<string> {
    const input = await f.sample(w)
    const mark = h().events.length
    const res = await callOp(h(), op, input, authorization)
    counts.http++
    const { segments, body } = splitInput(op, input)
    const violation = answerViolation(res, op)
    if (violation) problems.push(`${label}: ${violation}\n${describeExchange({ url: urlOf(op, segments), payload: JSON.stringify(body), authorization }, res)}`)
    if (res.status >= 400 && h().events.length !== mark) problems.push(`${label}: a refused call appended ${h().events.length - mark} event(s)`)
    return outcomeOf(res)
  }

  for (const op of allOps) {
    it(`${op.id} over HTTP: callers ${op.callers.join(', ')}`, async () => {
      const f = fixtureFor(op)
      const want: Record<string, Outcome> = {}
      const got: Record<string, string> = {}
      const problems: string[] = []
      for (const role of ROLES) {
        if (role === 'badToken') {
          for (const b of bad) {
            want[`badToken (${b.name})`] = expectedOutcome(op, f.profile, role)
            got[`badToken (${b.name})`] = await cell(op, f, b.authorization, problems, `${op.id} with ${b.name}`)
          }
          continue
        }
        want[role] = expectedOutcome(op, f.profile, role)
        got[role] = await cell(op, f, role === 'anonymous' ? undefined : bearer(tokenOf(w, role)), problems, `${op.id} as ${role}`)
      }
      expect(got, `${op.id} (profile ${f.profile})`).toEqual(want)
      expect(problems).toEqual([])
    })
  }

  for (const op of allOps) {
    // Operations without a fixture fail the completeness test above instead.
    if (!FIXTURES[op.id]?.scope) continue
    it(`${op.id}: what a caller may not see answers exactly like an id that names nothing`, async () => {
      const f = fixtureFor(op)
      const scope = f.scope!
      // Every caller that is let through to the look-up (a 2xx or a 404 for the real id).
      const askers = (['server', 'admin', 'member', 'agent', 'owner', 'stranger'] as const).filter((r) => ['2xx', 'not_found'].includes(expectedOutcome(op, f.profile, r)))
      const hidden = (['admin', 'member', 'agent', 'owner', 'stranger'] as const).filter((r) => expectedOutcome(op, f.profile, r) === 'not_found')
      expect(hidden.length, `${op.id}: profile ${f.profile} hides nothing from anyone`).toBeGreaterThan(0)
      const baseline = await (async () => {
        const input = await f.sample(w)
        counts.http++
        return normalized(await callOp(h(), op, input, bearer(tokenOf(w, hidden[0]))), [input[scope]])
      })()
      expect(baseline.status, `${op.id} as ${hidden[0]}`).toBe(404)
      for (const role of hidden.slice(1)) {
        const input = await f.sample(w)
        counts.http++
        expect(normalized(await callOp(h(), op, input, bearer(tokenOf(w, role))), [input[scope]]), `${op.id}: the real id as ${role}`).toEqual(baseline)
      }
      for (const role of askers) {
        const input = await f.sample(w)
        const absent = absentLike(input[scope])
        counts.http++
        const res = await callOp(h(), op, { ...input, [scope]: absent }, bearer(tokenOf(w, role)))
        expect(normalized(res, [absent]), `${op.id}: an absent ${scope} as ${role}`).toEqual(baseline)
      }
    })
  }

  for (const op of allOps) {
    it(`${op.id} over the WebSocket: the same codes as over HTTP`, async () => {
      const f = fixtureFor(op)
      const want: Record<string, Outcome> = {}
      const got: Record<string, string> = {}
      const problems: string[] = []
      for (const role of PARTICIPANT_ROLES) {
        const input = await f.sample(w)
        const result = await sockets.get(role)!.call(op.id, input)
        counts.ws++
        const violation = frameViolation(result)
        if (violation) problems.push(`${op.id} as ${role} over the socket: ${violation}: ${JSON.stringify(result).slice(0, 400)}`)
        want[role] = expectedOutcome(op, f.profile, role)
        got[role] = result.ok ? '2xx' : result.error.code
      }
      expect(got, `${op.id} (profile ${f.profile})`).toEqual(want)
      expect(problems).toEqual([])
    })
  }

  it('over the WebSocket, credentials that stand for no participant are closed with Unauthorized', async () => {
    const url = await h().listen()
    const tokens = [
      ...bad.filter((b) => b.authorization.startsWith('Bearer ') && b.authorization.length > 'Bearer '.length).map((b) => ({ name: b.name, token: b.authorization.slice(7) })),
      { name: 'server key', token: w.serverKey },
      { name: 'deactivated user', token: w.deactivated.token },
    ]
    const got: Record<string, number> = {}
    for (const { name, token } of tokens) {
      const s = await TestSocket.open(url, { token })
      got[name] = (await s.closed).code
      counts.ws++
    }
    // No credentials at all: a call before any auth frame.
    const anon = await TestSocket.open(url)
    anon.send({ type: 'call', id: 'c1', op: 'list-users', data: {} })
    got.anonymous = (await anon.closed).code
    counts.ws++
    expect(got).toEqual(Object.fromEntries(Object.keys(got).map((k) => [k, CloseCode.Unauthorized])))
  })
})
