/**
 * The HTTP fuzzer: for every operation of the registry, its valid sample (fixtures.ts)
 * mutated, its path parameters replaced by junk, and random bodies under random content
 * types, all with valid credentials. Whatever is sent, the answer is never a 5xx, every
 * error is a problem with a known code, and every success is JSON of the op's output schema.
 * A few cases are spelled out rather than drawn: deep nesting, long ids, bad percent-encoding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { allOps } from '../../src/ops/registry.js'
import { pathParams, successStatuses, type AnyOp } from '../../src/ops/define-op.js'
import { PARTICIPANT_ID_PATTERN } from '../../src/ops/schemas.js'
import { describeStores } from '../harness.js'
import { expectedOutcome, tokenOf, type Role } from './access.js'
import { contentType, longLegalId, mutatedBody, nest, nestText, pathSegment, rawBody } from './arbitraries.js'
import { fixtureFor } from './fixtures.js'
import { plausibleBody } from './plausible.js'
import { answerViolation } from './invariants.js'
import { FUZZ_SEED, fuzz, fuzzTimeout } from './settings.js'
import { bearer, describeExchange, encodeSegment, sendOverSocket, sendRaw, splitInput, urlOf, type RawRequest, type Wire } from './wire.js'
import { buildWorld, type World } from './world.js'

/** The detail of a database error mapped to 400 (src/ops/errors.ts), which names no field. */
const STORE_REFUSAL = 'a value is not acceptable to the store'

const RUNS = { body: 40, plausible: 40, path: 30, raw: 15 }

/** The callers the sample is valid for (the fuzzer picks among them). */
const callersFor = (op: AnyOp): Role[] =>
  (['server', 'admin', 'member', 'agent', 'owner', 'stranger'] as const).filter((r) => expectedOutcome(op, fixtureFor(op).profile, r) === '2xx')

const paramSchema = (op: AnyOp, p: string) => (op.input.properties as Record<string, { pattern?: string }>)[p]

describeStores('http fuzzer', (h, kind) => {
  let w: World
  let requests = 0
  const statuses = new Map<number, number>()
  /**
   * Refusals that came from the store rather than from validation (a database error mapped to
   * 400): not a broken invariant, but input that got further than it should. Listed, not failed.
   */
  const storeRefusals = new Map<string, number>()
  let base: string

  beforeAll(async () => {
    w = await buildWorld(h())
    base = await h().listen()
  })
  afterAll(() => {
    const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`)
    const store = [...storeRefusals].map(([op, n]) => `${op}×${n}`).join(' ') || 'none'
    console.log(`http fuzzer [${kind}]: ${requests} requests (seed ${FUZZ_SEED}); answers ${byStatus.join(' ')}; refused by the store, not by validation: ${store}`)
  })

  /** Sends and checks the invariants; a violation throws with the whole exchange. */
  async function exchange(req: RawRequest, op?: AnyOp, via: 'inject' | 'socket' = 'inject'): Promise<Wire> {
    const eventsBefore = h().events.length
    const res = via === 'inject' ? await sendRaw(h(), req) : await sendOverSocket(base, req)
    // Requests run one at a time, so an event committed meanwhile is this request's.
    const appended = h().events.length - eventsBefore
    requests++
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    if (op && res.json?.detail === STORE_REFUSAL) storeRefusals.set(op.id, (storeRefusals.get(op.id) ?? 0) + 1)
    // Validation names the field; a value only the store refuses is a gap in an op's schema.
    const violation =
      answerViolation(res, op) ??
      (op && res.json?.detail === STORE_REFUSAL ? 'refused by the store, not by validation (no field named)' : undefined) ??
      (res.status >= 400 && appended > 0 ? `refused, yet ${appended} event(s) were committed: nothing may be written` : undefined)
    if (violation) throw new Error(`${op?.id ?? 'request'}${via === 'socket' ? ' (over a socket)' : ''}: ${violation}\n${describeExchange(req, res)}`)
    return res
  }

  type Prepared = Awaited<ReturnType<typeof prepared>>

  /** The valid sample as the fuzzer sends it: path segments, body, and whom it is valid for. */
  async function prepared(op: AnyOp) {
    const input = await fixtureFor(op).sample(w)
    const { segments, body } = splitInput(op, input)
    const callers = callersFor(op).map((r) => bearer(tokenOf(w, r as Exclude<Role, 'anonymous' | 'badToken'>)))
    return { segments, body, auth: fc.constantFrom(...callers), principal: callers[0] }
  }

  for (const op of allOps) {
    describe(op.id, () => {
      it(
        'mutated bodies: never a 5xx, errors are problems, successes match the output schema',
        async () => {
          const { segments, body, auth } = await prepared(op)
          await fuzz(
            `${op.id} body`,
            fc.record({ body: mutatedBody(body), authorization: auth }),
            async (c) => void (await exchange({ url: urlOf(op, segments), authorization: c.authorization, payload: JSON.stringify(c.body) ?? 'null' }, op)),
            RUNS.body,
          )
        },
        fuzzTimeout(),
      )

      it(
        'plausible bodies: right types at and past the limits, real ids of the world',
        async () => {
          const { segments, body, auth } = await prepared(op)
          await fuzz(
            `${op.id} plausible`,
            fc.record({ body: plausibleBody(op, body, w), authorization: auth }),
            async (c) => void (await exchange({ url: urlOf(op, segments), authorization: c.authorization, payload: JSON.stringify(c.body) }, op)),
            RUNS.plausible,
          )
        },
        fuzzTimeout(),
      )

      if (pathParams(op.path).length) {
        it(
          'mutated path parameters: long ids, bad percent-encoding, junk',
          async () => {
            const { segments, body, auth } = await prepared(op)
            const params = pathParams(op.path)
            await fuzz(
              `${op.id} path`,
              fc.record({ param: fc.constantFrom(...params), segment: pathSegment, authorization: auth }),
              async (c) => void (await exchange({ url: urlOf(op, { ...segments, [c.param]: c.segment }), authorization: c.authorization, payload: JSON.stringify(body) }, op)),
              RUNS.path,
            )
          },
          fuzzTimeout(),
        )
      }

      it(
        'random bodies under random content types',
        async () => {
          const { segments, auth } = await prepared(op)
          await fuzz(
            `${op.id} raw`,
            fc.record({ contentType, payload: rawBody, authorization: auth }),
            async (c) => void (await exchange({ url: urlOf(op, segments), ...c }, op)),
            RUNS.raw,
          )
        },
        fuzzTimeout(),
      )
    })
  }

  /** Runs `check` for every operation over both transports, collecting every failure. */
  async function everyOp(check: (op: AnyOp, via: 'inject' | 'socket', sample: Prepared) => Promise<void>): Promise<string[]> {
    const failures: string[] = []
    for (const op of allOps) {
      // One sample for both transports: these checks are refused before they could change it.
      const sample = await prepared(op)
      for (const via of ['inject', 'socket'] as const) {
        try {
          await check(op, via, sample)
        } catch (err) {
          failures.push((err as Error).message)
        }
      }
    }
    return failures
  }

  /** Sends, checks the invariants, and insists on one of the given `[status, code]` answers. */
  async function expectAnswer(op: AnyOp, via: 'inject' | 'socket', req: RawRequest, allowed: [number, string][], what: string) {
    const res = await exchange(req, op, via)
    if (!allowed.some(([s, c]) => res.status === s && (res.status < 300 || res.json?.code === c)))
      throw new Error(`${op.id} (${via}): ${what}: expected ${allowed.map((a) => a.join(' ')).join(' or ')}\n${describeExchange(req, res)}`)
  }

  const REFUSED: [number, string][] = [[400, 'validation_failed']]

  it(
    'deep nesting (5,000 levels, raw JSON text) is 400 validation_failed on every operation',
    async () => {
      const failures = await everyOp(async (op, via, { segments, body }) => {
        const url = urlOf(op, segments)
        const key = Object.keys(body)[0] ?? 'x'
        const { [key]: _replaced, ...others } = body
        const rest = JSON.stringify(others).slice(1)
        const cases = {
          'objects in a field': `{"${key}":${nestText(5_000)}${rest === '}' ? '}' : ',' + rest}`,
          'arrays in a field': `{"${key}":${nestText(5_000, '1', 'array')}${rest === '}' ? '}' : ',' + rest}`,
          'objects as the body': nestText(5_000),
          'arrays as the body': nestText(5_000, '1', 'array'),
        }
        for (const [what, payload] of Object.entries(cases)) await expectAnswer(op, via, { url, authorization: bearer(w.serverKey), payload }, REFUSED, what)
      })
      expect(failures).toEqual([])
    },
    fuzzTimeout(),
  )

  it(
    'moderate nesting (40 levels, over the limit of 32) is 400 validation_failed; 16 levels of metadata are fine',
    async () => {
      const failures = await everyOp(async (op, via, { segments, body, principal: authorization }) => {
        const url = urlOf(op, segments)
        const key = Object.keys(body)[0] ?? 'x'
        for (const as of ['object', 'array'] as const)
          await expectAnswer(op, via, { url, authorization, payload: JSON.stringify({ ...body, [key]: nest(40, 1, as) }) }, REFUSED, `40 levels of ${as}s in ${key}`)
        // Where nesting is legal (free-form metadata) the limit is the only reason to refuse.
        if ('metadata' in op.input.properties) {
          await expectAnswer(op, via, { url, authorization, payload: JSON.stringify({ ...body, metadata: { deep: nest(40, 1, 'mixed') } }) }, REFUSED, '40 levels of metadata')
          const fine = { ...(await prepared(op)), url: '' }
          fine.url = urlOf(op, fine.segments)
          await expectAnswer(op, via, { url: fine.url, authorization, payload: JSON.stringify({ ...fine.body, metadata: { deep: nest(16, 1, 'mixed') } }) }, [...successStatuses(op).map(({ status }) => [status, ''] as [number, string]), [200, '']], '16 levels of metadata')
        }
      })
      expect(failures).toEqual([])
    },
    fuzzTimeout(),
  )

  it(
    'ids of 101–128 characters work as path parameters (404 for a participant id that names nothing, 400 on a uuid)',
    async () => {
      const long = fc.sample(longLegalId, { numRuns: 4, seed: FUZZ_SEED })
      const cases = [...long, 'a'.repeat(101), 'b'.repeat(128)]
      const failures = await everyOp(async (op, via, { segments, body, principal }) => {
        for (const p of pathParams(op.path))
          for (const id of cases) {
            const participant = paramSchema(op, p)?.pattern === PARTICIPANT_ID_PATTERN
            const req = { url: urlOf(op, { ...segments, [p]: encodeSegment(id) }), authorization: principal, payload: JSON.stringify(body) }
            await expectAnswer(op, via, req, participant ? [[404, 'not_found']] : REFUSED, `a ${id.length}-character ${p}`)
          }
      })
      // And a user whose id is 128 characters long can be fetched through its path.
      const id = 'L'.repeat(120) + h().uid('').slice(0, 8).padEnd(8, 'x')
      await h().ok('upsert-user', { id, name: 'Long id' }, w.serverKey)
      const res = await exchange({ url: `/v1/users/${id}/get`, authorization: bearer(w.serverKey) })
      expect([id.length, res.status, res.json?.id]).toEqual([128, 200, id])
      expect(failures).toEqual([])
    },
    fuzzTimeout(),
  )

  it(
    'ids past 128 characters and malformed percent-encoding in a path are validation problems',
    async () => {
      const failures = await everyOp(async (op, via, { segments, body, principal }) => {
        for (const p of pathParams(op.path))
          for (const segment of ['x'.repeat(129), 'y'.repeat(1_000), 'z'.repeat(5_000), '%ZZ', '%', 'a%ZZb', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF'])
            await expectAnswer(
              op,
              via,
              { url: urlOf(op, { ...segments, [p]: segment }), authorization: principal, payload: JSON.stringify(body) },
              [[400, 'validation_failed'], [414, 'validation_failed'], [404, 'not_found']],
              `path segment ${segment.slice(0, 12)}${segment.length > 12 ? `… (${segment.length})` : ''}`,
            )
      })
      expect(failures).toEqual([])
    },
    fuzzTimeout(),
  )
})
