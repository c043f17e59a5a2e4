/**
 * fast-check arbitraries for hostile input: values of the wrong type, hostile strings and
 * numbers, nesting, and mutations of a valid sample (a value that is almost right reaches
 * further into an operation than one that is wholly wrong).
 */
import fc from 'fast-check'
import { encodeSegment } from './wire.js'

/** Strings that have broken services before: NUL, lone surrogates, bidi, BOM, escapes, injections. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ude00x',
  '\ud83d\ude00',
  '\u202e\u0301',
  '\ufeff',
  '\uffff',
  '\n\r\t\v\f',
  '%ZZ',
  '%00',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; DROP TABLE participants; --",
  '$1',
  '\\',
  '"',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'NaN',
  '-0',
  '1e309',
  '2026-13-45T25:61:61Z',
  '9999-12-31T23:59:60Z',
  '0000-00-00T00:00:00Z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'e\u0301',
  '\u{10ffff}',
]

/** A code unit of any kind, lone surrogates included (fast-check's full-unicode units exclude them). */
const anyCodeUnit = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
)

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.array(anyCodeUnit, { maxLength: 40 }).map((cs) => cs.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
)

/** Long strings: past every length limit, up to around the 1 MiB body limit (413). */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', 'é', '😀', '\u0000', '\ud800', ' ', 'ab'), fc.constantFrom(129, 257, 2_001, 10_001, 70_000, 400_000))
  .map(([c, n]) => c.repeat(n))

/** Numbers of every awkward kind JSON can carry. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, -0, 0.5, 1.5, -1.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324, 1_000_000_000),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

/** `value` wrapped `depth` times in objects or arrays. */
export function nest(depth: number, value: unknown, as: 'object' | 'array' | 'mixed' = 'object'): unknown {
  let v = value
  for (let i = 0; i < depth; i++) v = as === 'array' || (as === 'mixed' && i % 2) ? [v] : { a: v }
  return v
}

/** The same nesting as raw JSON text, for depths the JSON serializer of the test would be slow to build. */
export function nestText(depth: number, leaf = '1', as: 'object' | 'array' = 'object'): string {
  return as === 'array' ? '['.repeat(depth) + leaf + ']'.repeat(depth) : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth)
}

/** Keys for extra fields: unknown names, prototype names, empty, huge, hostile. */
export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', 'id', 'type', 'a.b', '$where', 'x'.repeat(300)),
  nastyString,
)

/** Any junk value: the wrong type for nearly any field. */
export const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    nastyNumber,
    nastyString,
    { weight: 1, arbitrary: hugeString },
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyKey, tie('value'), { maxKeys: 4 }),
    fc.tuple(fc.integer({ min: 2, max: 60 }), fc.constantFrom<'object' | 'array' | 'mixed'>('object', 'array', 'mixed')).map(([d, as]) => nest(d, 1, as)),
    fc.jsonValue({ maxDepth: 3 }),
    // Objects a careless String(x) or `${x}` throws on.
    fc.constantFrom<unknown>({ toString: null }, { toString: 1, valueOf: 1 }, { valueOf: null, toString: null }, { toJSON: 1 }, JSON.parse('{"__proto__":null}')),
  ),
})).value

/** String(v), Number(v), or a stand-in for values that refuse conversion (`{ toString: null }`). */
function converted<T>(convert: () => T, stand: T): T {
  try {
    return convert()
  } catch {
    return stand
  }
}

/** Wrong-typed variants of a given value (a string for a number, an array for an object, …). */
export function retyped(v: unknown): fc.Arbitrary<unknown> {
  return fc.constantFrom<unknown>(
    converted(() => String(v), '[object]'),
    converted(() => Number(v), NaN),
    [v],
    { value: v },
    null,
    true,
    typeof v === 'string' ? v + '\u0000' : 0,
    typeof v === 'string' ? v.repeat(40) : -1,
  )
}

type Json = Record<string, unknown>

/** Paths (key lists) to every value inside `v`, the root excluded. */
function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...prefix, i], ...pathsOf(x, [...prefix, i])])
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [[...prefix, k], ...pathsOf(x, [...prefix, k])])
  return []
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (!path.length) return value
  const [head, ...rest] = path
  if (Array.isArray(root)) return root.map((x, i) => (i === head ? setAt(x, rest, value) : x))
  const obj = { ...(root as Json) }
  obj[head as string] = setAt(obj[head as string], rest, value)
  return obj
}

function deleteAt(root: unknown, path: (string | number)[]): unknown {
  if (path.length === 1) {
    if (Array.isArray(root)) return root.filter((_, i) => i !== path[0])
    const { [path[0] as string]: _, ...rest } = root as Json
    return rest
  }
  const [head, ...rest] = path
  if (Array.isArray(root)) return root.map((x, i) => (i === head ? deleteAt(x, rest) : x))
  return { ...(root as Json), [head as string]: deleteAt((root as Json)[head as string], rest) }
}

/** One edit of a valid body: the shapes of wrongness an operation must refuse with a 400. */
function oneMutation(body: Json): fc.Arbitrary<unknown> {
  const paths = pathsOf(body)
  const somePath: fc.Arbitrary<(string | number)[]> = paths.length ? fc.constantFrom(...paths) : fc.constant(['missing'])
  const topKeys = Object.keys(body)
  return fc.oneof(
    { arbitrary: somePath.chain((p) => junk.map((v) => setAt(body, p, v))), weight: 5 },
    { arbitrary: somePath.chain((p) => retyped(p.reduce<any>((o, k) => o?.[k], body)).map((v) => setAt(body, p, v))), weight: 3 },
    { arbitrary: paths.length ? somePath.map((p) => deleteAt(body, p)) : fc.constant(body), weight: 2 },
    { arbitrary: fc.tuple(nastyKey, junk).map(([k, v]) => ({ ...body, [k]: v })), weight: 2 },
    { arbitrary: somePath.chain((p) => fc.integer({ min: 1, max: 60 }).map((d) => setAt(body, p, nest(d, p.reduce<any>((o, k) => o?.[k], body), 'mixed')))), weight: 1 },
    { arbitrary: fc.constantFrom<unknown>(null, [], [body], 'body', 0, true, topKeys.length ? Object.values(body) : [1]), weight: 1 },
    { arbitrary: fc.constant({}), weight: 1 },
  )
}

/** One to three edits of a valid body. */
export function mutatedBody(body: Json): fc.Arbitrary<unknown> {
  return oneMutation(body).chain((once) =>
    fc.oneof(
      { arbitrary: fc.constant(once), weight: 3 },
      { arbitrary: once && typeof once === 'object' && !Array.isArray(once) ? oneMutation(once as Json) : fc.constant(once), weight: 1 },
    ),
  )
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:@+=|-'
const idOf = (n: number) => fc.array(fc.constantFrom(...ID_CHARS), { minLength: n, maxLength: n }).map((cs) => cs.join(''))

/** A well-formed participant id of 101–128 characters: legal, and must work in a path. */
export const longLegalId: fc.Arbitrary<string> = fc.integer({ min: 101, max: 128 }).chain(idOf)

/** A path segment: long ids around the 128 limit, percent junk, encoded nasty strings, dot segments. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  longLegalId.map(encodeSegment),
  fc.integer({ min: 129, max: 2_000 }).chain(idOf),
  fc.constantFrom('%ZZ', '%', '%%', '%0', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF', '%00', '%2F', '%2e%2e', '..', '.', '%20', '~', '*', "'", '%5C', 'a%ZZb'),
  nastyString.map(encodeSegment),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.uuid(),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((s) => s.replace(/[/?#]/g, '')),
)

/** Content types a client might send instead of application/json (or with it). */
export const contentType: fc.Arbitrary<string | null> = fc.constantFrom<string | null>(
  null,
  '',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json;;;',
  'APPLICATION/JSON',
  'application/problem+json',
  'application/vnd.parley+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/html',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'application/',
  'json',
  '\u00e9/\u00e9',
)

/** Bodies that are not a JSON object, or not JSON at all. */
export const rawBody: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('', ' ', '{', '}', '{"a":', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '[]', 'null', 'true', '1e400', '-', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"admin":true}}'),
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
)
