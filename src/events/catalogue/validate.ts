import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
import { eventDefinition } from './index.js'

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

// An instance of its own: event payloads are checked as output, never coerced or defaulted.
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false })
addFormats(ajv)
const compiled = new Map<string, ValidateFunction>()

/**
 * Checks an event's payload against its catalogue schema. Answers the problems, each as
 * `path: message`; none when it is valid. An unknown type is a problem too.
 */
export function validateEvent(type: string, data: unknown): string[] {
  const def = eventDefinition(type)
  if (!def) return [`unknown event type ${JSON.stringify(type)}`]
  let fn = compiled.get(type)
  if (!fn) compiled.set(type, (fn = ajv.compile(def.data)))
  if (fn(data)) return []
  return (fn.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`)
}
