import { mkdirSync, openSync, closeSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite, types } from '@electric-sql/pglite'
import type { Db, Queryable, Tx } from './db.js'
import { withRetries } from './db.js'
import type { StoredEvent } from '../events/event-types.js'

const parsers = { [types.INT8]: (v: string) => Number(v) }

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
    pg = await PGlite.create(dataDir ? join(dataDir, 'pglite') : undefined, { parsers })
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
