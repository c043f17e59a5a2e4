/**
 * The one error type the SDK throws. Server errors keep the server's stable `code` (API.md:
 * `unauthorized`, `forbidden`, `not_found`, `conflict`, `payload_too_large`,
 * `validation_failed`, `rate_limited`, `unavailable`, `internal`), parsed from a problem+json
 * answer or a `result` frame. Failures that never reached an answer have client-side codes:
 * `network_error` (fetch failed), `timeout` (no result in time), `disconnected` (the socket
 * closed with the call in flight; it may or may not have run — resend with the same
 * `clientMsgId` to be safe). Those have `status` 0.
 */
export interface FieldError {
  path: string
  message: string
}

export type ServerErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'validation_failed'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'
export type ClientErrorCode = 'network_error' | 'timeout' | 'disconnected'
/** Known codes, and any other string a newer server may send. */
export type ErrorCode = ServerErrorCode | ClientErrorCode | (string & {})

const STATUS: Record<string, number> = {
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

/** Same rule as the server: sending the same request again, unchanged, may succeed. */
const RETRYABLE = new Set(['rate_limited', 'unavailable', 'internal', 'network_error', 'timeout', 'disconnected'])

export class ParleyError extends Error {
  readonly code: ErrorCode
  /** HTTP status (over the socket: the status HTTP would have answered); 0 when no answer came. */
  readonly status: number
  readonly detail: string
  /** Per-field problems of a `validation_failed`. */
  readonly errors?: FieldError[]
  /** Whether sending the same request again may succeed. */
  readonly retryable: boolean
  /** From `Retry-After` on a 429. */
  readonly retryAfterSeconds?: number

  constructor(
    code: ErrorCode,
    detail: string,
    opts: { status?: number; errors?: FieldError[]; retryable?: boolean; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(`${code}: ${detail}`, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'ParleyError'
    this.code = code
    this.detail = detail
    this.status = opts.status ?? STATUS[code] ?? 0
    this.errors = opts.errors
    this.retryable = opts.retryable ?? (RETRYABLE.has(code) || this.status >= 500)
    this.retryAfterSeconds = opts.retryAfterSeconds
  }

  /** From an HTTP error answer: problem+json when the server sent one, else the status alone. */
  static fromProblem(status: number, body: unknown, retryAfter?: string | null): ParleyError {
    const p = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    const code = typeof p.code === 'string' ? p.code : codeForStatus(status)
    const detail = typeof p.detail === 'string' ? p.detail : typeof body === 'string' && body ? body : `HTTP ${status}`
    const seconds = retryAfter != null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined
    return new ParleyError(code, detail, { status, errors: fieldErrors(p.errors), retryAfterSeconds: seconds })
  }

  /** From the `error` of a `result` (or `error`) frame. */
  static fromFrame(error: { code?: unknown; detail?: unknown; errors?: unknown; retryable?: unknown }): ParleyError {
    const code = typeof error.code === 'string' ? error.code : 'internal'
    return new ParleyError(code, typeof error.detail === 'string' ? error.detail : code, {
      errors: fieldErrors(error.errors),
      retryable: typeof error.retryable === 'boolean' ? error.retryable : undefined,
    })
  }
}

function fieldErrors(v: unknown): FieldError[] | undefined {
  if (!Array.isArray(v)) return undefined
  return v.filter((e): e is FieldError => typeof e?.path === 'string' && typeof e?.message === 'string')
}

function codeForStatus(status: number): string {
  const known = Object.entries(STATUS).find(([, s]) => s === status)
  if (known) return known[0]
  if (status === 422) return 'validation_failed'
  return status >= 500 ? 'internal' : 'validation_failed'
}
