import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
import type { TSchema } from '@sinclair/typebox'
import { invalid, type FieldError } from './errors.js'

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false })
addFormats(ajv)

const compiled = new WeakMap<TSchema, ValidateFunction>()

/** Validates `value` against `schema` or throws validation_failed listing every problem. */
export function validate<T>(schema: TSchema, value: unknown): T {
  let fn = compiled.get(schema)
  if (!fn) {
    fn = ajv.compile(schema)
    compiled.set(schema, fn)
  }
  rejectNul(value, '')
  if (!fn(value)) {
    const errors = (fn.errors ?? []).map(toFieldError)
    throw invalid(errors.map((e) => `${e.path || 'body'}: ${e.message}`).join('; '), errors)
  }
  return value as T
}

function toFieldError(e: ErrorObject): FieldError {
  const base = e.instancePath.replace(/^\//, '').replaceAll('/', '.')
  const join = (k: string) => (base ? `${base}.${k}` : k)
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: join(String(e.params.additionalProperty)), message: 'is not a known field' }
    case 'required':
      return { path: join(String(e.params.missingProperty)), message: 'is required' }
    default:
      return { path: base, message: e.message ?? 'is invalid' }
  }
}

/** PostgreSQL text and jsonb cannot hold U+0000; refuse it up front instead of failing in the store. */
function rejectNul(v: unknown, path: string): void {
  if (typeof v === 'string') {
    if (v.includes('\u0000')) throw invalid(`${path || 'body'}: must not contain NUL characters`, [{ path, message: 'must not contain NUL characters' }])
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => rejectNul(x, path ? `${path}.${i}` : String(i)))
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      rejectNul(k, path)
      rejectNul(x, path ? `${path}.${k}` : k)
    }
  }
}
