import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Db } from './db.js'

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))
/** Arbitrary but fixed: every node that migrates takes this advisory lock first. */
const MIGRATION_LOCK = 7_310_042

export interface Migration {
  name: string
  sql: string
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(dir + name, 'utf8') }))
}

/**
 * Applies the plain SQL migrations not yet applied, each in its own transaction. Safe when
 * several nodes start at once: they queue on one transaction-scoped advisory lock and each
 * re-reads what is applied after getting it.
 */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<string[]> {
  // Even the bookkeeping table is created under the lock: concurrent CREATE TABLE IF NOT EXISTS
  // can still collide in the catalog.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
  })
  const applied: string[] = []
  for (const m of migrations) {
    const did = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [m.name])
      if (done.length) return false
      await tx.exec(m.sql)
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [m.name])
      return true
    })
    if (did) applied.push(m.name)
  }
  return applied
}
