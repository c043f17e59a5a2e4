/**
 * The one error type. Every failure a client can see is a ParleyError with a stable `code`
 * (API.md); `toProblem` turns any thrown value into the problem response, in one place, for
 * every transport.
 */
export type ErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'validation_failed'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'

export interface FieldError {
  path: string
  message: string
}

const STATUS: Record<ErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  validation_failed: 400,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
}

const TITLE: Record<ErrorCode, string> = {
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  validation_failed: 'Validation failed',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
}

/** Whether a client may send the same request again unchanged and hope for success. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['rate_limited', 'unavailable', 'internal'])

export class ParleyError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly options: {
      status?: number
      errors?: FieldError[]
      retryAfterSeconds?: number
      /** Internal tag telling callers why, when the code alone is not enough; never sent. */
      reason?: 'not_a_member'
    } = {},
  ) {
    super(detail)
    this.name = 'ParleyError'
  }
  get status(): number {
    return this.options.status ?? STATUS[this.code]
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.code)
  }
}

export const unauthorized = (detail = 'missing or invalid credentials') => new ParleyError('unauthorized', detail)
export const forbidden = (detail: string) => new ParleyError('forbidden', detail)
export const notFound = (what: string) => new ParleyError('not_found', `${what} not found`)
export const conflict = (detail: string) => new ParleyError('conflict', detail)
export const payloadTooLarge = (detail: string) => new ParleyError('payload_too_large', detail)
export const invalid = (detail: string, errors?: FieldError[], status?: number) =>
  new ParleyError('validation_failed', detail, { errors, status })
export const invalidField = (path: string, message: string) => invalid(`${path}: ${message}`, [{ path, message }])
export const rateLimited = (retryAfterSeconds: number) =>
  new ParleyError('rate_limited', 'too many requests', { retryAfterSeconds })
export const unavailable = (detail: string) => new ParleyError('unavailable', detail)

export interface Problem {
  type: string
  title: string
  status: number
  code: ErrorCode
  detail: string
  errors?: FieldError[]
}

/** PostgreSQL SQLSTATEs that are the client's fault or the store's availability, not bugs. */
function fromDatabase(err: { code?: string; message?: string }): ParleyError | undefined {
  const code = err.code ?? ''
  if (code === '23505') return conflict('the resource already exists')
  if (code === '23503') return notFound('a referenced resource')
  if (['22P02', '22001', '22003', '22007', '22008', '22021', '54000'].includes(code))
    return invalid('a value is not acceptable to the store')
  if (['40001', '40P01', '55P03', '57014', '53300'].includes(code) || code.startsWith('08'))
    return unavailable('the store is busy; retry')
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) return unavailable('the store is unreachable')
  return undefined
}

/** Normalizes anything thrown into a ParleyError; unknown errors become `internal`. */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err
  if (typeof err === 'object' && err !== null) {
    const mapped = fromDatabase(err as { code?: string })
    if (mapped) return mapped
  }
  return new ParleyError('internal', 'an unexpected error occurred')
}

export function toProblem(err: ParleyError): Problem {
  return {
    type: `https://parley.dev/problems/${err.code}`,
    title: TITLE[err.code],
    status: err.status,
    code: err.code,
    detail: err.detail,
    ...(err.options.errors ? { errors: err.options.errors } : {}),
  }
}
