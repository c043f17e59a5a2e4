import { mkdirSync, openSync, closeSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite, types } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import type { Db, Queryable, Tx } from './db.js'
import { withRetries } from './db.js'
import type { StoredEvent } from '../events/event-types.js'

const parsers = { [types.INT8]: (v: string) => Number(v) }

/**
 * Extensions the schema uses (loaded into every PGlite opened on Parley's data, the bench's
 * too): pg_trgm for substring search (migration 0008_search.sql).
 */
export const pgliteExtensions = { pg_trgm }

/**
 * Embedded PostgreSQL (WASM) in this process. One connection: PGlite serializes queries and
 * transactions itself. `dataDir` undefined keeps everything in memory (tests).
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  let release = () => {}
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true })
    release = takeDirLock(dataDir)
  }
  let pg: PGlite
  try {
    pg = await PGlite.create(dataDir ? join(dataDir, 'pglite') : undefined, { parsers, extensions: pgliteExtensions })
  } catch (err) {
    release()
    throw err
  }
  const run = async <R>(q: Pick<PGlite, 'query'>, sql: string, params?: unknown[]) =>
    (await q.query<R>(sql, params)).rows
  return {
    kind: 'pglite',
    query: (sql, params) => run(pg, sql, params),
    exec: async (sql) => void (await pg.exec(sql)),
    transaction: (fn) =>
      withRetries(() =>
        pg.transaction(async (t) => {
          const appended: StoredEvent[] = []
          const tx: Tx = {
            appended,
            query: (sql, params) => run(t, sql, params),
            exec: async (sql) => void (await t.exec(sql)),
          }
          return fn(tx)
        }),
      ),
    ping: async () => void (await pg.query('SELECT 1')),
    close: async () => {
      await pg.close()
      release()
    },
  } satisfies Db
}

/**
 * Two processes on one PGlite folder would corrupt it, so the folder is owned by one pid.
 * A lock left by a dead process is taken over.
 */
function takeDirLock(dataDir: string): () => void {
  const file = join(dataDir, 'parley.pid')
  try {
    const fd = openSync(file, 'wx')
    writeFileSync(fd, String(process.pid))
    closeSync(fd)
  } catch {
    const pid = Number(readFileSync(file, 'utf8'))
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`data folder ${dataDir} is in use by process ${pid}`)
    }
    writeFileSync(file, String(process.pid))
  }
  return () => {
    try {
      if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file)
    } catch {
      /* already gone */
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export type { Queryable }
