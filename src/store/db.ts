/**
 * The one storage seam. Everything above it speaks plain SQL with `$1` parameters, and the
 * same SQL runs on PGlite (embedded) and PostgreSQL. Rows come back with int8 as JS numbers
 * and timestamptz as Date on both.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>
  /** Runs a script of several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>
}

/** A transaction: queries plus what the transaction appended to the event log. */
export interface Tx extends Queryable {
  /** Events appended in this transaction; handed to the event sink after COMMIT. */
  readonly appended: import('../events/event-types.js').StoredEvent[]
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `fn` in one transaction; retried on serialization failure and deadlock. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  /** Cheap liveness probe for /v1/health. */
  ping(): Promise<void>
  close(): Promise<void>
}

/** SQLSTATEs after which the whole transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01'])

export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has((err as { code?: string }).code ?? '')
}

export async function withRetries<T>(attempt: () => Promise<T>, tries = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt()
    } catch (err) {
      if (i >= tries || !isRetryable(err)) throw err
      await new Promise((r) => setTimeout(r, Math.random() * 5 * i))
    }
  }
}
