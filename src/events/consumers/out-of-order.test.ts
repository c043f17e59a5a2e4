/**
 * THE HAZARD: concurrent transactions commit out of order. Here the writer that takes the
 * first position (transaction 1, on conversation A) commits LAST, after transaction 2 (on B).
 *
 * A naive reader that remembers "the highest global position read" — a global sequence, or
 * the highest transaction id it has seen — reads B's event, moves its cursor past it, and
 * when A's event commits later with a LOWER position it is never read: skipped for good. The
 * test shows that with the discovery query itself: from a cursor just past B's transaction,
 * A's committed event is not found.
 *
 * The consumer instead keeps a position per conversation and a watermark that never passes
 * the snapshot's xmin (≤ transaction 1's id while it is open), so it delivers B at once and A
 * as soon as transaction 1 commits. PostgreSQL only: PGlite has one connection, so two
 * transactions are never open at once there.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Harness } from '../../../test/harness.js'
import { lockConversation } from '../../conversations/conversations.sql.js'
import { appendEvent } from '../event-log.sql.js'
import { lowestPendingTx, positionOf, startPass } from './consumers.sql.js'
import type { ConsumerRunner } from './runner.js'
import { conversation, recorder, runner, uniqueName, waitFor } from './test-fixtures.js'

const running: ConsumerRunner[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})

describe.runIf(process.env.PARLEY_TEST_DATABASE_URL)('out-of-order commits [postgres]', () => {
  let harness: Harness
  const h = () => harness
  beforeAll(async () => {
    harness = await Harness.start('postgres')
  }, 60_000)
  afterAll(() => harness?.close())

  it('an event that commits after a later position was read is still delivered', async () => {
    const a = await conversation(h())
    const b = await conversation(h())
    const rec = recorder(uniqueName('ooo'))
    running.push(runner(h(), rec.def))
    await waitFor(() => rec.of(a.id).length === 1 && rec.of(b.id).length === 1, 10_000, 'the creation events')

    let commit1 = () => {}
    const gate = new Promise<void>((r) => (commit1 = r))
    let appended1 = () => {}
    const appendedA = new Promise<void>((r) => (appended1 = r))
    // Transaction 1: appends to A (its xid is taken first) and stays open.
    const t1 = h().db.transaction(async (tx) => {
      const row = (await lockConversation(tx, a.id))!
      await appendEvent(tx, { id: a.id, lastSeq: row.last_seq }, { type: 'read.updated', actorId: null, data: { userId: 'late', lastReadSeq: 1 } })
      appended1()
      await gate
    })
    await appendedA
    // Transaction 2: appends to B and commits while transaction 1 is still open. Neither goes
    // through this node's event sink: the consumer finds them by polling, like another node's.
    await h().db.transaction(async (tx) => {
      const row = (await lockConversation(tx, b.id))!
      await appendEvent(tx, { id: b.id, lastSeq: row.last_seq }, { type: 'read.updated', actorId: null, data: { userId: 'early', lastReadSeq: 1 } })
    })
    await waitFor(() => rec.of(b.id).length === 2, 10_000, "B's event delivered while transaction 1 is open")
    expect(rec.of(a.id)).toEqual([1])
    const txB = await lowestPendingTx(h().db, b.id, 1)

    commit1()
    await t1
    await waitFor(() => rec.of(a.id).length === 2, 10_000, "A's late-committing event delivered")
    expect(rec.of(a.id)).toEqual([1, 2])
    expect(rec.of(b.id)).toEqual([1, 2])
    await waitFor(() => rec.calls.length > 0)
    expect(await positionOf(h().db, rec.def.name, b.id)).toBe(2)

    // The naive cursor: having read B, it stands just past B's transaction, and from there
    // A's event (committed now, with a lower transaction id) is invisible.
    const naive = (BigInt(txB!) + 1n).toString()
    const seenByNaive = await startPass(h().db, uniqueName('naive'), naive, 1_000, { batchSize: 200, maxEvents: 5_000, exclude: [] })
    expect(seenByNaive.pending.map((p) => p.conversationId)).not.toContain(a.id)
  })
})
