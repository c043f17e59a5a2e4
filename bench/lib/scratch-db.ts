import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { onCleanup } from './cleanup.js'

/**
 * A scratch PostgreSQL database for one benchmark run, named `<prefix><random>` next to the
 * database of `adminUrl`; `drop()` removes it even with connections still open (WITH FORCE).
 */
export async function createDatabase(adminUrl: string, prefix = 'parley_bench_'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = '/' + name
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}

/**
 * What a benchmark's server needs for a fresh store, removed at the end of the run: a data
 * folder (PGlite lives there; the server keeps its secrets there either way) and, for
 * PostgreSQL, a scratch database.
 */
export async function scratchStore(store: 'postgres' | 'pglite', adminUrl: string, tag: string): Promise<{ dataDir: string; databaseUrl?: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `parley-bench-${tag}-`))
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }))
  if (store === 'pglite') return { dataDir }
  const db = await createDatabase(adminUrl)
  onCleanup(() => db.drop())
  return { dataDir, databaseUrl: db.url }
}
