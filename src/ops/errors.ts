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

/**
 * How long a client should wait before retrying when the store is unavailable. A restart or a
 * failover takes seconds; asking again at once only adds to the storm.
 */
export const STORE_RETRY_AFTER_SECONDS = 1

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
export const unavailable = (detail: string, retryAfterSeconds = STORE_RETRY_AFTER_SECONDS) =>
  new ParleyError('unavailable', detail, { retryAfterSeconds })

export interface Problem {
  type: string
  title: string
  status: number
  code: ErrorCode
  detail: string
  errors?: FieldError[]
}

/**
 * SQLSTATEs that mean "the store cannot serve this now", not "the request is wrong": class 08
 * (connection exception), 53 (insufficient resources: too many clients, out of memory, disk
 * full), 57P01–57P03 (administrator shutdown, crash of another backend, starting up or
 * shutting down: what a restart or failover throws at requests in flight), 57014 (statement
 * timeout), 55P03 (lock timeout), and 40001 / 40P01 (left over after the transaction's own
 * retries).
 */
function storeUnavailable(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    ['57P01', '57P02', '57P03', '57014', '55P03', '40001', '40P01'].includes(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)
  )
}

/**
 * Errors `pg` raises itself, without a SQLSTATE, when a connection dies or cannot be had
 * (a server that went away mid-query, a pool that timed out waiting for a connection).
 */
const DRIVER_CONNECTION_ERROR =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable)$/

/** PostgreSQL SQLSTATEs that are the client's fault or the store's availability, not bugs. */
function fromDatabase(err: { code?: string; message?: string }): ParleyError | undefined {
  const code = typeof err.code === 'string' ? err.code : ''
  if (code === '23505') return conflict('the resource already exists')
  if (code === '23503') return notFound('a referenced resource')
  if (['22P02', '22001', '22003', '22007', '22008', '22021', '54000'].includes(code))
    return invalid('a value is not acceptable to the store')
  if (storeUnavailable(code) || (!code && DRIVER_CONNECTION_ERROR.test(err.message ?? '')))
    return unavailable('the store is unavailable; retry')
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
