/**
 * The load generator: a process of its own, forked by bench/run.ts, that receives one job over
 * IPC, runs it and answers with its figures. Jobs:
 *  - send:    closed-loop HTTP senders (undici keep-alive pool, pre-built bodies, hrtime latencies);
 *  - history: list-messages pages at random `before` positions and the newest page;
 *  - raw:     single-row INSERT … VALUES into messages, autocommit, from N concurrent clients;
 *  - seed:    the SQL history seeding (bench/lib/seed-sql.ts).
 * The measured window is announced over IPC ('window-start' / 'window-end') so the orchestrator
 * can sample CPU use of the server, this process and PostgreSQL over exactly that window.
 */
import { Pool } from 'undici'
import pg from 'pg'
import { Samples, nowMs, round1, type LatencySummary } from './lib/stats.js'
import { seedHistory, type SeedSpec, type SqlRunner } from './lib/seed-sql.js'
import { uuidv7 } from '../src/lib/ids.js'

export interface Db {
  driver: 'pg' | 'pglite'
  /** pg: connection URL. */
  url?: string
  /** pglite: the PGlite folder (the server's PARLEY_DATA_DIR/pglite), with the server stopped. */
  dir?: string
}

export type Job =
  | {
      mode: 'send'
      url: string
      warmupMs: number
      durationMs: number
      /** One entry per concurrent sender: its token and the conversations it sends to, in turn. */
      senders: { token: string; conversations: string[] }[]
      contentLength: number
    }
  | {
      mode: 'history'
      url: string
      token: string
      conversationId: string
      firstSeq: number
      lastSeq: number
      limit: number
      requests: number
      warmupRequests: number
      concurrency: number
      /** Every `newestEvery`-th request asks for the newest page (no `before`). */
      newestEvery: number
    }
  | {
      mode: 'raw'
      db: Db
      conversationId: string
      senderIds: string[]
      /** Seqs used are seqBase + client + concurrency × i: unique, ascending per client. */
      seqBase: number
      concurrency: number
      warmupMs: number
      durationMs: number
      contentLength: number
    }
  | { mode: 'seed'; db: Db; spec: SeedSpec }

export interface RateResult {
  completed: number
  perSecond: number
  errors: number
  errorSamples: string[]
  latency: LatencySummary
  windowSeconds: number
  workerCpuSeconds: number
}

export interface HistoryResult {
  random: LatencySummary
  newest: LatencySummary
  all: LatencySummary
  errors: number
  errorSamples: string[]
  wrongPageSize: number
  requestsPerSecond: number
}

const send = (msg: unknown) => process.send!(msg)

function content(len: number, tag: string): string {
  const base = `bench message ${tag} `
  return base.length >= len ? base.slice(0, len) : base + 'x'.repeat(len - base.length)
}

/**
 * The measured window. Its start and end are announced from the load loops themselves
 * (`tick()` on every iteration) and from a timer, whichever comes first: an embedded database
 * that answers through microtasks alone can starve timers for a whole point.
 */
function window(warmupMs: number, durationMs: number) {
  const start = nowMs()
  const from = start + warmupMs
  const to = from + durationMs
  let cpu0 = process.cpuUsage()
  let cpuSeconds = 0
  let started = false
  let ended = false
  const begin = () => {
    if (started) return
    started = true
    cpu0 = process.cpuUsage()
    send({ event: 'window-start' })
  }
  const end = () => {
    if (ended) return
    begin()
    ended = true
    const d = process.cpuUsage(cpu0)
    cpuSeconds = (d.user + d.system) / 1e6
    send({ event: 'window-end' })
  }
  setTimeout(begin, warmupMs).unref()
  setTimeout(end, warmupMs + durationMs).unref()
  const tick = (now: number) => {
    if (!started && now >= from) begin()
    if (!ended && now >= to) end()
  }
  return { from, to, tick, end, cpuSeconds: () => cpuSeconds }
}

/** Waits for the measured window to close, then reports what was completed inside it. */
async function finishRate(w: ReturnType<typeof window>, samples: Samples, errors: number, errorSamples: string[], durationMs: number): Promise<RateResult> {
  w.end()
  await waitUntil(w.to + 5)
  const windowSeconds = durationMs / 1000
  return {
    completed: samples.n,
    perSecond: round1(samples.n / windowSeconds),
    errors,
    errorSamples,
    latency: samples.summary(),
    windowSeconds,
    workerCpuSeconds: w.cpuSeconds(),
  }
}

async function runSend(job: Extract<Job, { mode: 'send' }>): Promise<RateResult> {
  const pool = new Pool(job.url, {
    connections: job.senders.length,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  })
  const samples = new Samples()
  let errors = 0
  const errorSamples: string[] = []
  const w = window(job.warmupMs, job.durationMs)
  // Hard stop for stragglers: a request still open 30 s after the window fails, and the loop ends.
  const deadline = w.to + 30_000
  let stop = false
  const workers = job.senders.map(async (s, i) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${s.token}` }
    const bodies = s.conversations.map((c) => JSON.stringify({ conversationId: c, content: content(job.contentLength, `s${i}`) }))
    let k = 0
    while (!stop && nowMs() < w.to) {
      const body = bodies[k++ % bodies.length]
      const t0 = nowMs()
      let status = 0
      let text = ''
      try {
        const res = await pool.request({ path: '/v1/messages/send', method: 'POST', headers, body })
        status = res.statusCode
        if (status === 201) await res.body.dump()
        else text = await res.body.text()
      } catch (err) {
        text = (err as Error).message
      }
      const t1 = nowMs()
      w.tick(t1)
      if (status === 201) {
        if (t1 >= w.from && t1 <= w.to) samples.add(t1 - t0)
      } else {
        errors++
        if (errorSamples.length < 5) errorSamples.push(`${status} ${text.slice(0, 300)}`)
        if (errors > 1000 && samples.n === 0) {
          stop = true
          throw new Error(`sends fail: ${errorSamples.join(' | ')}`)
        }
      }
      if (t1 > deadline) break
    }
  })
  try {
    await Promise.all(workers)
  } finally {
    await pool.close().catch(() => undefined)
  }
  return finishRate(w, samples, errors, errorSamples, job.durationMs)
}

async function runHistory(job: Extract<Job, { mode: 'history' }>): Promise<HistoryResult> {
  const pool = new Pool(job.url, { connections: job.concurrency, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 })
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${job.token}` }
  const total = job.warmupRequests + job.requests
  // Pages are full: before ∈ [firstSeq + limit, lastSeq + 1].
  const lo = job.firstSeq + job.limit
  const hi = job.lastSeq + 1
  const plan = Array.from({ length: total }, (_, i) => {
    const newest = i % job.newestEvery === 0
    const before = newest ? undefined : lo + Math.floor(Math.random() * (hi - lo + 1))
    return { newest, body: JSON.stringify({ conversationId: job.conversationId, ...(before === undefined ? {} : { before }), limit: job.limit }) }
  })
  const random = new Samples()
  const newest = new Samples()
  const all = new Samples()
  let errors = 0
  let wrongPageSize = 0
  const errorSamples: string[] = []
  let next = 0
  let measuredFrom = 0
  let measuredTo = 0
  const deadline = nowMs() + 30 * 60_000
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < total && nowMs() < deadline) {
        const i = next++
        if (i === job.warmupRequests) measuredFrom = nowMs()
        const p = plan[i]
        const t0 = nowMs()
        let status = 0
        let text = ''
        try {
          const res = await pool.request({ path: '/v1/messages/list', method: 'POST', headers, body: p.body })
          status = res.statusCode
          text = await res.body.text()
        } catch (err) {
          text = (err as Error).message
        }
        const t1 = nowMs()
        if (status !== 200) {
          errors++
          if (errorSamples.length < 5) errorSamples.push(`${status} ${text.slice(0, 300)}`)
          if (errors > 100 && all.n === 0) throw new Error(`list-messages fails: ${errorSamples.join(' | ')}`)
          continue
        }
        if (i < job.warmupRequests) continue
        measuredTo = t1
        ;(p.newest ? newest : random).add(t1 - t0)
        all.add(t1 - t0)
        if ((JSON.parse(text) as { data: unknown[] }).data.length !== job.limit) wrongPageSize++
      }
    }),
  )
  await pool.close().catch(() => undefined)
  return {
    random: random.summary(),
    newest: newest.summary(),
    all: all.summary(),
    errors,
    errorSamples,
    wrongPageSize,
    requestsPerSecond: round1(all.n / Math.max(0.001, (measuredTo - measuredFrom) / 1000)),
  }
}

interface Conn {
  query(sql: string | { name: string; text: string }, params: unknown[]): Promise<unknown>
  close(): Promise<void>
}

async function openPglite(dir: string) {
  const { PGlite } = await import('@electric-sql/pglite')
  const { pgliteExtensions } = await import('../src/store/pglite.js')
  return PGlite.create(dir, { extensions: pgliteExtensions })
}

const RAW_INSERT = `INSERT INTO messages (conversation_id, seq, id, sender_id, sender_kind, kind, content, client_msg_id,
                      reply_to_id, thread_root_id, forward_of, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

async function runRaw(job: Extract<Job, { mode: 'raw' }>): Promise<RateResult> {
  const conns: Conn[] = []
  try {
    if (job.db.driver === 'pg') {
      for (let i = 0; i < job.concurrency; i++) {
        const c = new pg.Client({ connectionString: job.db.url })
        await c.connect()
        conns.push({ query: (q, p) => c.query(q as string, p), close: () => c.end() })
      }
    } else {
      // One embedded database, one connection: the "clients" are concurrent callers it serializes.
      const db = await openPglite(job.db.dir!)
      for (let i = 0; i < job.concurrency; i++) {
        conns.push({ query: (q, p) => db.query(typeof q === 'string' ? q : q.text, p), close: async () => (i === 0 ? db.close() : undefined) })
      }
    }
    const samples = new Samples()
    let errors = 0
    const errorSamples: string[] = []
    const w = window(job.warmupMs, job.durationMs)
    // A named statement: parsed and planned once per connection, the cheapest way to insert a row one by one.
    const stmt = { name: 'bench_raw_insert', text: RAW_INSERT }
    let stop = false
    await Promise.all(
      conns.map(async (c, client) => {
        const body = content(job.contentLength, `raw${client}`)
        const sender = job.senderIds[client % job.senderIds.length]
        for (let i = 0; !stop && nowMs() < w.to; i++) {
          const t0 = nowMs()
          try {
            await c.query(stmt, [
              job.conversationId,
              job.seqBase + client + job.concurrency * i,
              uuidv7(),
              sender,
              'user',
              'text',
              body,
              null,
              null,
              null,
              null,
              new Date().toISOString(),
            ])
          } catch (err) {
            errors++
            if (errorSamples.length < 5) errorSamples.push((err as Error).message)
            if (errors > 1000 && samples.n === 0) {
              stop = true
              throw new Error(`raw inserts fail: ${errorSamples.join(' | ')}`)
            }
            continue
          }
          const t1 = nowMs()
          w.tick(t1)
          if (t1 >= w.from && t1 <= w.to) samples.add(t1 - t0)
        }
      }),
    )
    return await finishRate(w, samples, errors, errorSamples, job.durationMs)
  } finally {
    for (const c of conns) await c.close().catch(() => undefined)
  }
}

async function runSeed(job: Extract<Job, { mode: 'seed' }>) {
  if (job.db.driver === 'pg') {
    const c = new pg.Client({ connectionString: job.db.url })
    await c.connect()
    try {
      return await seedHistory(c as unknown as SqlRunner, job.spec, 'postgres')
    } finally {
      await c.end()
    }
  }
  const db = await openPglite(job.db.dir!)
  try {
    return await seedHistory(db as unknown as SqlRunner, job.spec, 'pglite')
  } finally {
    await db.close()
  }
}

async function waitUntil(t: number) {
  const d = t - nowMs()
  if (d > 0) await new Promise((r) => setTimeout(r, d))
}

async function run(job: Job): Promise<unknown> {
  switch (job.mode) {
    case 'send':
      return runSend(job)
    case 'history':
      return runHistory(job)
    case 'raw':
      return runRaw(job)
    case 'seed':
      return runSeed(job)
  }
}

if (!process.send) {
  process.stderr.write('bench/worker.ts is started by bench/run.ts (npm run bench)\n')
  process.exit(2)
}
// An orphaned worker (the orchestrator died) stops by itself.
process.on('disconnect', () => process.exit(3))
process.once('message', (job: Job) => {
  const reply = (msg: unknown) => process.send!(msg, () => process.exit(0))
  run(job).then(
    (result) => reply({ event: 'done', result }),
    (err: Error) => reply({ event: 'failed', error: err.stack ?? err.message }),
  )
})
