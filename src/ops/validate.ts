import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
import type { TSchema } from '@sinclair/typebox'
import { invalid, type FieldError } from './errors.js'
import { MAX_NESTING, tooDeeplyNested } from '../lib/json-nesting.js'

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
  checkInput(value)
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

/**
 * One walk over the input, with a stack rather than recursion so that no value can overflow
 * it: refuses, up front instead of in the store, text PostgreSQL cannot hold (U+0000, and lone
 * UTF-16 surrogates, which one store would refuse and the other silently turn into U+FFFD), and
 * nesting deeper than MAX_NESTING. The transports already refuse deep text
 * before parsing it; this holds the limit for every caller of `validate`.
 */
function checkInput(input: unknown): void {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: input, path: '', depth: 0 }]
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { v, path, depth } = item
    if (typeof v === 'string') {
      checkText(v, path)
    } else if (v && typeof v === 'object') {
      if (depth >= MAX_NESTING) throw tooDeeplyNested(path || 'body')
      const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v)
      // Pushed last to first, so fields are checked in order and the first problem is reported.
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i]
        checkText(k, path)
        stack.push({ v: x, path: path ? `${path}.${k}` : k, depth: depth + 1 })
      }
    }
  }
}

/** A string or key the store can hold: no U+0000, no lone surrogate. */
function checkText(v: string, path: string): void {
  if (v.includes('\u0000')) throw nul(path)
  if (!(v as unknown as { isWellFormed(): boolean }).isWellFormed()) throw refused(path, 'must be well-formed Unicode (no lone surrogates)')
}

const refused = (path: string, message: string) => invalid(`${path || 'body'}: ${message}`, [{ path, message }])
const nul = (path: string) => invalid(`${path || 'body'}: must not contain NUL characters`, [{ path, message: 'must not contain NUL characters' }])
