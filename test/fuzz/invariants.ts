/**
 * What every answer must be, whatever was asked: the invariants the fuzzer and the matrix
 * check. Kept apart from the tests so both say the same thing.
 */
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
import { successStatuses, type AnyOp } from '../../src/ops/define-op.js'
import type { ErrorCode } from '../../src/ops/errors.js'
import { CloseCode } from '../../src/protocol/frames.js'
import type { Wire } from './wire.js'

/**
 * The statuses each stable code may travel with. Typed against ErrorCode, so a new code does
 * not compile until it is placed here. `validation_failed` also answers for problems of the
 * request's form (docs/api.md): 415 media type, 414 a path segment longer than any id, and
 * 408 / 431 for requests Node's HTTP parser refuses.
 */
export const STATUSES_OF: Record<ErrorCode, readonly number[]> = {
  unauthorized: [401],
  forbidden: [403],
  not_found: [404],
  conflict: [409],
  payload_too_large: [413],
  validation_failed: [400, 408, 414, 415, 431],
  rate_limited: [429],
  unavailable: [503],
  internal: [500],
}
export const KNOWN_CODES = new Set(Object.keys(STATUSES_OF))

/** The only codes a client may retry unchanged (over the socket: `retryable: true`). */
export const RETRYABLE_CODES = new Set(['rate_limited', 'unavailable'])

/**
 * Close codes a client can act on: those of the protocol (src/protocol/frames.ts), plus 1009,
 * which the socket library sends for a frame over PARLEY_WS_MAX_FRAME_BYTES (config.ts), and
 * 1000/1005 for an orderly close.
 */
export const DOCUMENTED_CLOSE_CODES = new Set<number>([...Object.values(CloseCode), 1000, 1005, 1009])

/** Why an error answer is not a proper problem; undefined when it is one. */
export function problemViolation(res: Wire): string | undefined {
  if (!res.contentType.startsWith('application/problem+json')) return `an error answered with content-type "${res.contentType}", not application/problem+json`
  if (!res.isJson || typeof res.json !== 'object' || res.json === null) return 'an error body that is not a JSON object'
  const p = res.json
  if (!KNOWN_CODES.has(p.code)) return `unknown code ${JSON.stringify(p.code)}`
  if (p.status !== res.status) return `body status ${p.status} differs from the HTTP status ${res.status}`
  if (!STATUSES_OF[p.code as ErrorCode].includes(res.status)) return `code ${p.code} with status ${res.status}`
  if (p.type !== `https://parley.dev/problems/${p.code}`) return `type ${JSON.stringify(p.type)} does not name code ${p.code}`
  if (typeof p.title !== 'string' || typeof p.detail !== 'string') return 'title and detail must be strings'
  if (p.errors !== undefined && !(Array.isArray(p.errors) && p.errors.every((e: any) => typeof e?.path === 'string' && typeof e?.message === 'string')))
    return 'errors must be [{ path, message }]'
  return undefined
}

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }))
const outputs = new WeakMap<AnyOp, ValidateFunction>()

/** Why a 2xx answer is illegal for `op` (not JSON, not of its declared output schema). */
export function successViolation(res: Wire, op: AnyOp): string | undefined {
  if (!res.contentType.startsWith('application/json')) return `a success with content-type "${res.contentType}"`
  if (!res.isJson) return 'a success whose body is not JSON'
  const statuses = successStatuses(op).map((s) => s.status)
  if (res.status !== 200 && !statuses.includes(res.status)) return `success status ${res.status}; ${op.id} answers ${statuses.join(' or ')} (or 200)`
  let validate = outputs.get(op)
  if (!validate) outputs.set(op, (validate = ajv.compile(op.output)))
  if (!validate(res.json)) return `the answer does not match ${op.id}'s output schema: ${ajv.errorsText(validate.errors)}`
  return undefined
}

/** Why an answer of any request breaks the invariants; undefined when it keeps them. */
export function answerViolation(res: Wire, op?: AnyOp): string | undefined {
  if (res.status >= 500) return `a ${res.status} answer`
  if (res.status >= 400) return problemViolation(res)
  if (res.status >= 200 && res.status < 300) return op ? successViolation(res, op) : res.isJson ? undefined : 'a success whose body is not JSON'
  return `status ${res.status} is neither a success nor an error`
}

/** Why a `result` or `error` frame breaks the socket invariants. */
export function frameViolation(f: any): string | undefined {
  if (f.type === 'error') {
    if (!KNOWN_CODES.has(f.error?.code) || typeof f.error?.detail !== 'string') return 'an error frame without a known code and a detail'
    return f.error.code === 'internal' ? 'an internal error frame' : undefined
  }
  if (f.type !== 'result') return undefined
  if (typeof f.id !== 'string' || typeof f.ok !== 'boolean') return 'a result without id and ok'
  if (f.ok) return 'data' in f ? undefined : 'an ok result without data'
  const e = f.error
  if (!e || !KNOWN_CODES.has(e.code)) return `a result error with unknown code ${JSON.stringify(e?.code)}`
  if (e.code === 'internal') return 'a result error with code internal (a 500 over the socket)'
  if (typeof e.detail !== 'string') return 'a result error without detail'
  if (e.retryable !== RETRYABLE_CODES.has(e.code)) return `retryable ${e.retryable} for code ${e.code}`
  if (e.errors !== undefined && !(Array.isArray(e.errors) && e.errors.every((x: any) => typeof x?.path === 'string' && typeof x?.message === 'string')))
    return 'errors must be [{ path, message }]'
  return undefined
}
