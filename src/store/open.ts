import { join } from 'node:path'
import type { Db } from './db.js'
import { openPglite } from './pglite.js'
import { openPostgres } from './postgres.js'
import { migrate } from './migrate.js'

export interface StoreOptions {
  /** postgres://… selects PostgreSQL; absent selects embedded PGlite. */
  databaseUrl?: string
  /** PGlite folder; undefined keeps PGlite in memory. */
  dataDir?: string
  poolSize?: number
}

/** Opens the configured store and brings its schema up to date. */
export async function openStore(opts: StoreOptions): Promise<Db> {
  const db = opts.databaseUrl
    ? await openPostgres({ url: opts.databaseUrl, poolSize: opts.poolSize })
    : await openPglite(opts.dataDir ? join(opts.dataDir) : undefined)
  try {
    await migrate(db)
  } catch (err) {
    await db.close()
    throw err
  }
  return db
}
