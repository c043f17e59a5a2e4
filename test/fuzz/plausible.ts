/**
 * Plausible values, read off an operation's input schema: of the right type, at and just past
 * each limit, and naming things of the world (its conversations, messages, participants).
 * Junk is refused at the door; these get through validation and reach the handler and the
 * store, which is where a 500 would hide. Optional fields the sample leaves out get values too.
 */
import fc from 'fast-check'
import type { TSchema } from '@sinclair/typebox'
import { UUID_PATTERN } from '../../src/lib/ids.js'
import { PARTICIPANT_ID_PATTERN } from '../../src/ops/schemas.js'
import { pathParams, type AnyOp } from '../../src/ops/define-op.js'
import { longLegalId, nest, NASTY_STRINGS } from './arbitraries.js'
import type { World } from './world.js'

type S = TSchema & Record<string, any>

const TIMES = [
  '2026-01-01T00:00:00Z',
  '2026-01-01T00:00:00.123456+14:00',
  '1970-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2016-12-31T23:59:60Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01t00:00:00z',
  '2026-01-01T00:00:00-23:59',
]

const URLS = ['https://example.com/a.png', 'http://localhost', 'https://ex.com/' + 'a'.repeat(2020), 'https://ex.com/?q=%00', 'javascript:alert(1)', 'ftp://x', 'https://', 'https://[::1]/', 'https://xn--n3h.com/😀']

/** Strings of lengths at and around the limits, in ASCII, multi-unit characters and white space. */
function sized(min: number, max: number): fc.Arbitrary<string> {
  const lengths = [...new Set([0, 1, min, Math.max(0, min - 1), max, max + 1].filter((n) => n >= 0 && n <= 20_000))]
  return fc.tuple(fc.constantFrom(...lengths), fc.constantFrom('a', '😀', 'e\u0301', ' ', '\u200b', 'é')).map(([n, c]) => c.repeat(n))
}

function integers(s: S): fc.Arbitrary<number> {
  const lo = s.minimum ?? -(2 ** 31)
  const hi = s.maximum ?? 2 ** 31
  return fc.oneof(fc.constantFrom(lo, hi, lo - 1, hi + 1, 0, 1, 2 ** 31, 2 ** 53 - 1, 1e21, 2.5), fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31) }))
}

/** Values for one schema; `w` supplies real ids for id fields. */
export function plausible(s: S, w: World, depth = 0): fc.Arbitrary<unknown> {
  if (s.anyOf) return fc.oneof(...(s.anyOf as S[]).map((x) => plausible(x, w, depth)))
  if (s.const !== undefined) return fc.constantFrom(s.const, String(s.const).toUpperCase(), `${s.const} `)
  switch (s.type) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
    case 'number':
      return integers(s)
    case 'string':
      return strings(s, w)
    case 'array': {
      const item = plausible(s.items as S, w, depth + 1)
      const max = s.maxItems ?? 20
      return fc.oneof(
        fc.array(item, { minLength: 0, maxLength: Math.min(max, 5) }),
        item.map((v) => Array.from({ length: Math.min(max + 1, 1_001) }, () => v)),
        item.map((v) => Array.from({ length: Math.min(max, 1_000) }, (_, i) => (typeof v === 'string' ? `${v.slice(0, 120)}${i}` : v))),
      )
    }
    case 'object':
      return objects(s, w, depth)
    default:
      // Unknown (free-form): any JSON, nested up to a little past the nesting limit.
      return fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: 1, max: 36 }).map((d) => nest(d, 'x', 'mixed')))
  }
}

function strings(s: S, w: World): fc.Arbitrary<string> {
  if (s.pattern === UUID_PATTERN)
    return fc.oneof(
      fc.constantFrom(w.group.id, w.dm.id, w.publicChannel.id, w.privateChannel.id, w.message.id, w.message.id.toUpperCase()),
      fc.uuid(),
    )
  if (s.pattern === PARTICIPANT_ID_PATTERN)
    return fc.oneof(
      fc.constantFrom(w.admin.id, w.member.id, w.owner.id, w.agent.id, w.stranger.id, w.deactivated.id, w.newcomer.id, 'nobody', 'a'.repeat(128)),
      longLegalId,
    )
  if (s.format === 'date-time') return fc.oneof(fc.constantFrom(...TIMES), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()))
  if (s.format === 'uri') return fc.constantFrom(...URLS)
  return fc.oneof(sized(s.minLength ?? 0, s.maxLength ?? 10_001), fc.constantFrom(...NASTY_STRINGS.filter((x) => !x.includes('\u0000'))))
}

function objects(s: S, w: World, depth: number): fc.Arbitrary<unknown> {
  if (s.properties) {
    const props = Object.fromEntries(Object.entries(s.properties as Record<string, S>).map(([k, v]) => [k, plausible(v, w, depth + 1)]))
    return fc.record(props, { requiredKeys: [] })
  }
  const [keyPattern, valueSchema] = Object.entries((s.patternProperties ?? {}) as Record<string, S>)[0] ?? ['', {} as S]
  const key = keyPattern === UUID_PATTERN ? strings({ pattern: UUID_PATTERN } as unknown as S, w) : fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'x'.repeat(129)))
  const value = depth > 2 ? fc.constant(1) : plausible(valueSchema, w, depth + 1)
  return fc.oneof(
    fc.dictionary(key, value, { maxKeys: 6 }),
    // At and past the size limits (maxProperties, bytes).
    fc.constant(Object.fromEntries(Array.from({ length: (s.maxProperties ?? 64) + 1 }, (_, i) => [`k${i}`, 1]))),
    fc.constant({ blob: 'x'.repeat(9_000) }),
  )
}

/**
 * The sample with one to three top-level fields (path parameters excepted) set to plausible
 * values, optional fields the sample left out included.
 */
export function plausibleBody(op: AnyOp, body: Record<string, unknown>, w: World): fc.Arbitrary<Record<string, unknown>> {
  const params = new Set(pathParams(op.path))
  const fields = Object.entries(op.input.properties as Record<string, S>).filter(([k]) => !params.has(k))
  if (!fields.length) return fc.constant(body)
  const edit = fc.constantFrom(...fields).chain(([k, s]) => plausible(s, w).map((v) => [k, v] as const))
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => ({ ...body, ...Object.fromEntries(edits) }))
}
