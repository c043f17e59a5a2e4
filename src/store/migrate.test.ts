import { expect, it } from 'vitest'
import { createTestDatabase } from '../../test/harness.js'
import { openPostgres } from './postgres.js'
import { openPglite } from './pglite.js'
import { loadMigrations, migrate } from './migrate.js'

it('PGlite: migrations apply once; a second run applies nothing', async () => {
  const db = await openPglite()
  try {
    expect(await migrate(db)).toEqual(loadMigrations().map((m) => m.name))
    expect(await migrate(db)).toEqual([])
  } finally {
    await db.close()
  }
})

it.runIf(process.env.PARLEY_TEST_DATABASE_URL)('PostgreSQL: five nodes migrating at once apply each migration exactly once', async () => {
  const tdb = await createTestDatabase()
  const nodes = await Promise.all(Array.from({ length: 5 }, () => openPostgres({ url: tdb.url, poolSize: 2 })))
  try {
    const applied = await Promise.all(nodes.map((db) => migrate(db)))
    expect(applied.flat().sort()).toEqual(loadMigrations().map((m) => m.name).sort())
    const rows = await nodes[0].query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')
    expect(rows.map((r) => r.name)).toEqual(loadMigrations().map((m) => m.name))
  } finally {
    await Promise.all(nodes.map((db) => db.close()))
    await tdb.drop()
  }
})
