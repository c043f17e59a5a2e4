import { createHash } from 'node:crypto'
import pg from 'pg'
import type { Db, Tx } from './db.js'
import { withRetries } from './db.js'
import type { StoredEvent } from '../events/event-types.js'

const INT8 = 20
const CONNECT_TIMEOUT_MS = 5_000

/**
 * Every parameterized statement runs as a named prepared statement, so each connection parses
 * and plans it once instead of on every call. All our SQL is static text (parameters are
 * never spliced in), so the set of names is small and fixed.
 */
const names = new Map<string, string>()
function prepared(text: string, values: unknown[] | undefined): pg.QueryConfig {
  if (!values) return { text }
  let name = names.get(text)
  if (!name) {
    name = 'p' + createHash('sha1').update(text).digest('hex').slice(0, 16)
    names.set(text, name)
  }
  return { name, text, values }
}

/** Per-pool type parsers, so the process-wide pg defaults stay untouched. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

export interface PostgresOptions {
  url: string
  poolSize?: number
}

/** PostgreSQL through a `pg` pool. */
export async function openPostgres({ url, poolSize = 20 }: PostgresOptions): Promise<Db> {
  // A request waits at most CONNECT_TIMEOUT_MS for a connection (a server that is down or a pool
  // that is exhausted), then fails as 503 unavailable instead of hanging.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, idleTimeoutMillis: 30_000, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  // A dropped idle connection must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  await pool.query('SELECT 1')
  return {
    kind: 'postgres',
    query: async (sql, params) => (await pool.query(prepared(sql, params))).rows,
    exec: async (sql) => void (await pool.query(sql)),
    transaction: (fn) =>
      withRetries(async () => {
        const client = await pool.connect()
        let broken = false
        try {
          await client.query('BEGIN')
          const appended: StoredEvent[] = []
          const tx: Tx = {
            appended,
            query: async (sql, params) => (await client.query(prepared(sql, params))).rows,
            exec: async (sql) => void (await client.query(sql)),
          }
          const result = await fn(tx)
          await client.query('COMMIT')
          return result
        } catch (err) {
          try {
            await client.query('ROLLBACK')
          } catch {
            broken = true
          }
          throw err
        } finally {
          client.release(broken)
        }
      }),
    ping: async () => void (await pool.query('SELECT 1')),
    close: () => pool.end(),
  } satisfies Db
}
