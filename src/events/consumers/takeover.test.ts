/**
 * A consumer's owner is killed with SIGKILL (no chance to release its lease): another node
 * takes over once the lease has run out, and continues from the stored positions. PostgreSQL
 * only: two processes on one database.
 */
import { afterAll, expect, it, describe } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createTestDatabase } from '../../../test/harness.js'
import { openStore } from '../../store/open.js'
import type { Db } from '../../store/db.js'
import { insertEvents } from '../event-log.sql.js'
import type { StoredEvent } from '../event-types.js'
import { currentOwner, positionOf } from './consumers.sql.js'
import { ConsumerRunner } from './runner.js'
import { range, silentLog, uniqueName, waitFor } from './test-fixtures.js'

const LEASE_MS = 2_000
const RENEW_MS = 500

const events = (conversationId: string, from: number, to: number): StoredEvent[] =>
  range(from, to).map((seq) => ({ conversationId, seq, type: 'message.created', actorId: null, data: { seq }, createdAt: new Date().toISOString() }))

describe.runIf(process.env.PARLEY_TEST_DATABASE_URL)('consumer takeover after kill -9 [postgres]', () => {
  const cleanup: Array<() => Promise<unknown> | void> = []
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c()
  })

  it('a second node takes over within the lease time and handles the rest, in order', async () => {
    const tdb = await createTestDatabase()
    cleanup.push(() => tdb.drop())
    const db: Db = await openStore({ databaseUrl: tdb.url, poolSize: 4 })
    cleanup.push(() => db.close())
    const name = uniqueName('takeover')
    const conv = randomUUID()

    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/consumer-node.ts'], {
      env: { ...process.env, DATABASE_URL: tdb.url, CONSUMER_NAME: name, CONSUMER_NODE: 'child', LEASE_MS: String(LEASE_MS), RENEW_MS: String(RENEW_MS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    cleanup.push(() => void (child.exitCode === null && child.kill('SIGKILL')))
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const childHandled = () => [...out.matchAll(/handled (\S+) (\d+)/g)].map((m) => Number(m[2]))
    await waitFor(() => out.includes('owner\n'), 30_000, `child owns the consumer: ${out}`)

    // The survivor starts while the child owns the consumer: it must stay on standby.
    const handled: number[] = []
    const survivor = new ConsumerRunner(
      { name, handle: async (evs) => void handled.push(...evs.map((e) => e.seq)) },
      { db, node: 'survivor', log: silentLog, leaseMs: LEASE_MS, renewMs: RENEW_MS, pollMs: 50 },
    ).start()
    cleanup.push(() => survivor.close())

    await insertEvents(db, events(conv, 1, 5))
    await waitFor(() => childHandled().length === 5, 10_000, 'the child handled 1..5')
    expect(childHandled()).toEqual(range(1, 5))
    // Positions are written right after the handler: wait until the child's last one is stored.
    for (const deadline = Date.now() + 5_000; (await positionOf(db, name, conv)) < 5; ) {
      if (Date.now() > deadline) throw new Error('the child never stored position 5')
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(survivor.isOwner).toBe(false)

    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
    const killedAt = Date.now()
    await insertEvents(db, events(conv, 6, 9))
    await waitFor(() => handled.includes(9), LEASE_MS + RENEW_MS + 3_000, 'the survivor took over')
    const tookMs = Date.now() - killedAt
    expect(tookMs).toBeLessThan(LEASE_MS + RENEW_MS + 1_000)
    expect(await currentOwner(db, name)).toBe('survivor')
    // At least once: the survivor starts from the stored position; nothing skipped, in order.
    expect(handled).toEqual(range(handled[0], 9))
    expect(handled[0]).toBe(6)
    expect(new Set([...childHandled(), ...handled])).toEqual(new Set(range(1, 9)))
  }, 60_000)
})
