import { randomBytes } from 'node:crypto'
import pg from 'pg'

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
