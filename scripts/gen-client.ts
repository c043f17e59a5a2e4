/**
 * Generates `packages/client/src/ops.gen.ts` from the op registry: for every operation its
 * id, HTTP path, path parameters and the TypeScript types of its input and output, emitted
 * from the same TypeBox schemas the server validates with. Also copies the wire protocol
 * (`src/protocol/frames.ts`) to `packages/client/src/protocol.gen.ts`, so the SDK speaks exactly
 * the server's frames and close codes yet stays a self-contained package. And writes
 * `packages/client/src/events.gen.ts` from the event catalogue (`src/events/catalogue/`): each
 * event's payload type and the discriminated union of the event frames.
 *
 *   npm run gen:client            writes the file
 *   npm run gen:client -- --check exits 1 when the file is stale
 *
 * TypeBox schemas are JSON Schema; `schemaToTs` covers the subset Parley uses (object, array,
 * string, integer, number, boolean, null, const, anyOf, type arrays, additionalProperties,
 * patternProperties as records, unknown). Anything else fails loudly rather than emitting a
 * wrong type.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { allOps } from '../src/ops/registry.js'
import { pathParams, type AnyOp } from '../src/ops/define-op.js'
import { durableEvents, ephemeralEvents, type EventDefinition } from '../src/events/catalogue/index.js'

export const GENERATED_PATH = fileURLToPath(new URL('../packages/client/src/ops.gen.ts', import.meta.url))
export const PROTOCOL_SOURCE = fileURLToPath(new URL('../src/protocol/frames.ts', import.meta.url))
export const PROTOCOL_PATH = fileURLToPath(new URL('../packages/client/src/protocol.gen.ts', import.meta.url))
export const EVENTS_PATH = fileURLToPath(new URL('../packages/client/src/events.gen.ts', import.meta.url))

type Schema = Record<string, unknown>

const IDENT = /^[A-Za-z_$][\w$]*$/
const key = (k: string) => (IDENT.test(k) ? k : JSON.stringify(k))
const pad = (depth: number) => '  '.repeat(depth)

/** Keywords that only constrain values, never the TypeScript type. */
const IGNORED = new Set([
  'description', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'minItems', 'maxItems', 'maxProperties', 'minProperties', 'default', 'examples', 'title', '$id',
  'uniqueItems', 'multipleOf',
])
const HANDLED = new Set(['type', 'properties', 'required', 'additionalProperties', 'patternProperties', 'items', 'anyOf', 'const'])

/** JSDoc for a property: its description, with `*\/` defused. */
function doc(s: Schema, depth: number): string {
  const d = typeof s.description === 'string' ? s.description : undefined
  if (!d) return ''
  return `${pad(depth)}/** ${d.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ')} */\n`
}

/** The TypeScript type of a JSON Schema, at indentation `depth`. */
export function schemaToTs(s: Schema, depth = 0): string {
  for (const k of Object.keys(s)) if (!IGNORED.has(k) && !HANDLED.has(k)) throw new Error(`gen-client: unsupported schema keyword "${k}"`)
  if ('const' in s) return JSON.stringify(s.const)
  if (Array.isArray(s.anyOf)) return union((s.anyOf as Schema[]).map((x) => schemaToTs(x, depth)))
  const type = s.type
  if (Array.isArray(type)) return union(type.map((t) => schemaToTs({ ...s, type: t }, depth)))
  switch (type) {
    case undefined:
      return 'unknown'
    case 'string':
      return 'string'
    case 'integer':
    case 'number':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'null':
      return 'null'
    case 'array':
      return s.items ? `Array<${schemaToTs(s.items as Schema, depth)}>` : 'unknown[]'
    case 'object':
      return objectToTs(s, depth)
  }
  throw new Error(`gen-client: unsupported schema type ${JSON.stringify(type)}`)
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)]
  return unique.length === 1 ? unique[0] : unique.join(' | ')
}

function objectToTs(s: Schema, depth: number): string {
  const props = (s.properties ?? {}) as Record<string, Schema>
  const required = new Set((s.required ?? []) as string[])
  const lines: string[] = []
  for (const [name, ps] of Object.entries(props)) {
    lines.push(`${doc(ps, depth + 1)}${pad(depth + 1)}${key(name)}${required.has(name) ? '' : '?'}: ${schemaToTs(ps, depth + 1)}`)
  }
  const rest: string[] = []
  const pp = s.patternProperties as Record<string, Schema> | undefined
  if (pp) for (const v of Object.values(pp)) rest.push(schemaToTs(v, depth + 1))
  const ap = s.additionalProperties
  if (ap === true) rest.push('unknown')
  else if (ap && typeof ap === 'object') rest.push(schemaToTs(ap as Schema, depth + 1))
  if (lines.length === 0 && rest.length > 0) return `Record<string, ${union(rest)}>`
  // An open object with named properties: the index signature must admit them all.
  if (rest.length > 0) lines.push(`${pad(depth + 1)}[key: string]: unknown`)
  if (lines.length === 0) return '{}'
  return `{\n${lines.join('\n')}\n${pad(depth)}}`
}

/** `send-message` → `SendMessage`. */
const pascal = (id: string) => id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())
const camel = (id: string) => id.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())

const plain = (s: unknown): Schema => JSON.parse(JSON.stringify(s)) as Schema

/** The whole generated module, as text. Deterministic: the same registry gives the same bytes. */
export function generateClientOps(ops: readonly AnyOp[] = allOps): string {
  const out: string[] = [
    '// Generated by scripts/gen-client.ts from the op registry (src/ops/registry.ts). Do not edit:',
    '// run `npm run gen:client`. A test fails when this file is stale.',
    '/* eslint-disable */',
    '',
  ]
  for (const op of ops) {
    const name = pascal(op.id)
    const summary = op.summary ? `/** \`${op.id}\` input: ${op.summary.replace(/\*\//g, '*\\/')} */\n` : ''
    out.push(`${summary}export type ${name}Input = ${schemaToTs(plain(op.input))}`, '')
    out.push(`/** \`${op.id}\` output. */\nexport type ${name}Output = ${schemaToTs(plain(op.output))}`, '')
  }
  out.push('/** Input and output type of every operation, by op id. */', 'export interface OpTypes {')
  for (const op of ops) out.push(`  ${JSON.stringify(op.id)}: { input: ${pascal(op.id)}Input; output: ${pascal(op.id)}Output }`)
  out.push('}', '')
  out.push('/** HTTP route of every operation: `POST path`, `{param}` segments filled from the input. */', 'export const opRoutes = {')
  for (const op of ops) {
    const params = pathParams(op.path).map((p) => JSON.stringify(p))
    out.push(`  ${JSON.stringify(op.id)}: { path: ${JSON.stringify(op.path)}, params: [${params.join(', ')}] },`)
  }
  out.push('} as const satisfies Record<keyof OpTypes, { path: string; params: readonly string[] }>', '')
  out.push('/** Method name on `client.ops` → op id. */', 'export const opMethods = {')
  for (const op of ops) out.push(`  ${camel(op.id)}: ${JSON.stringify(op.id)},`)
  out.push('} as const satisfies Record<string, keyof OpTypes>', '')
  return out.join('\n')
}

/** The SDK's copy of the wire protocol: frames.ts verbatim under a header. */
export function generateProtocol(source = readFileSync(PROTOCOL_SOURCE, 'utf8')): string {
  return '// Copied by scripts/gen-client.ts from src/protocol/frames.ts. Do not edit: run `npm run gen:client`.\n' + source
}

/** `member.added` → `MemberAdded`. */
const eventTypeName = (type: string) => type.replace(/(^|[.-])(\w)/g, (_m, _d, c: string) => c.toUpperCase())
const comment = (text: string) => text.replace(/\*\//g, '*\\/')

/**
 * The SDK's event types, from the catalogue: a `…Data` type per event, `DurableEventData` and
 * `EphemeralEventData` by name, and the frames as unions discriminated on `event`.
 */
export function generateClientEvents(durable: readonly EventDefinition[] = durableEvents, ephemeral: readonly EventDefinition[] = ephemeralEvents): string {
  const out: string[] = [
    '// Generated by scripts/gen-client.ts from the event catalogue (src/events/catalogue/). Do not edit:',
    '// run `npm run gen:client`. A test fails when this file is stale.',
    '/* eslint-disable */',
    '',
  ]
  for (const d of [...durable, ...ephemeral]) {
    out.push(`/** \`${d.type}\` (${d.kind}): ${comment(d.summary)}. ${comment(d.description)} */`)
    out.push(`export type ${eventTypeName(d.type)}Data = ${schemaToTs(plain(d.data))}`, '')
  }
  const byName = (name: string, defs: readonly EventDefinition[]) => [
    `export interface ${name} {`,
    ...defs.map((d) => `  ${JSON.stringify(d.type)}: ${eventTypeName(d.type)}Data`),
    '}',
    '',
  ]
  out.push('/** `data` of each durable event (seq-numbered, stored, replayed by sync), by name. */', ...byName('DurableEventData', durable))
  out.push('/** `data` of each ephemeral event (never stored, never replayed), by name. */', ...byName('EphemeralEventData', ephemeral))
  out.push('export type DurableEventName = keyof DurableEventData', 'export type EphemeralEventName = keyof EphemeralEventData', '')
  out.push('/** Durable event names, in catalogue order. */')
  out.push(`export const durableEventNames = [${durable.map((d) => JSON.stringify(d.type)).join(', ')}] as const satisfies readonly DurableEventName[]`, '')
  out.push('/** A durable event frame on the socket (and, without `type`, an event of a `sync` answer). */', 'export type DurableEventFrame =')
  for (const d of durable) {
    out.push(`  | { type: 'event'; event: ${JSON.stringify(d.type)}; conversationId: string; seq: number; actorId: string | null; createdAt: string; data: ${eventTypeName(d.type)}Data }`)
  }
  out.push('', '/** An ephemeral event frame: no seq; `presence` has no conversationId. */', 'export type EphemeralEventFrame =')
  for (const d of ephemeral) {
    const conv = d.scope === 'participant' ? '' : ' conversationId: string;'
    out.push(`  | { type: 'event'; event: ${JSON.stringify(d.type)};${conv} data: ${eventTypeName(d.type)}Data }`)
  }
  out.push('', '/** Every event frame the server sends, discriminated on `event`. */', 'export type AnyEventFrame = DurableEventFrame | EphemeralEventFrame', '')
  return out.join('\n')
}

/** Every generated file: path → expected content. */
export function generatedFiles(): Record<string, string> {
  return { [GENERATED_PATH]: generateClientOps(), [PROTOCOL_PATH]: generateProtocol(), [EVENTS_PATH]: generateClientEvents() }
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  const check = process.argv.includes('--check')
  let stale = false
  for (const [path, text] of Object.entries(generatedFiles())) {
    if (check) {
      let current = ''
      try {
        current = readFileSync(path, 'utf8')
      } catch {
        /* missing counts as stale */
      }
      if (current !== text) {
        console.error(`${path} is stale: run npm run gen:client`)
        stale = true
      }
    } else {
      writeFileSync(path, text)
      console.log(`wrote ${path}`)
    }
  }
  if (stale) process.exit(1)
}
