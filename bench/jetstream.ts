/**
 * The JetStream domain-event publisher under load (`npx tsx bench/jetstream.ts`), on
 * PostgreSQL (PARLEY_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres;
 * a scratch database is created and dropped) and a private nats-server with JetStream on a free
 * port (removed afterwards). Prints two Markdown tables:
 *
 * 1. commit → JetStream lag at 1,000, 2,500 and 5,000 sends/s (open loop, over 50 conversations
 *    and into one):
 *    from the event's `occurredAt` (taken by the send queue just before its commit statement)
 *    to its arrival at an ordered JetStream consumer of the stream (after the stream stored it),
 *    read in a thread of its own so that it takes no time from the load generator;
 * 2. send throughput with 64 closed-loop senders (into one conversation, and over 100), publisher
 *    on and off on fresh nodes, interleaved (on, off, off, on, …; BENCH_ROUNDS, default 2), with
 *    the CPU each process used: the cost of the publisher, side by side in one run.
 *
 * BENCH_CONNECTIONS (default 256) bounds the open loop's requests in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import { Worker } from 'node:worker_threads'
import { startServer, type ServerHandle } from './lib/server.js'
import { createDatabase } from './lib/scratch-db.js'
import { Api, provision } from './lib/api.js'
import { cleanupAll, installHandlers, onCleanup } from './lib/cleanup.js'
import { Samples, nowMs, round1 } from './lib/stats.js'
import { machineInfo } from './lib/machine.js'
import { cpuBetween, snapshot, type CpuUse } from './lib/cpu.js'
import { PrivateNats } from '../test/private-nats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ADMIN_URL = process.env.PARLEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const RATES = [1_000, 2_500, 5_000]
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 256)
const log = (s: string) => process.stderr.write(s + '\n')

interface Node {
  server: ServerHandle
  api: Api
  serverKey: string
  stream: string
}

async function startNode(nats: PrivateNats, publish: boolean): Promise<Node> {
  const db = await createDatabase(ADMIN_URL)
  onCleanup(() => db.drop())
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-js-'))
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }))
  const tag = randomBytes(4).toString('hex')
  const serverKey = 'psk_bench_' + randomBytes(8).toString('hex')
  const stream = `BENCH_${tag}`
  const server = await startServer({
    root: ROOT,
    mode: 'tsx',
    dataDir,
    serverKey,
    databaseUrl: db.url,
    env: {
      NATS_URL: nats.url,
      PARLEY_NATS_PREFIX: `bench${tag}.`,
      PARLEY_EVENTS_PUBLISH: publish ? 'on' : 'off',
      PARLEY_EVENTS_STREAM: stream,
      PARLEY_EVENTS_SUBJECT_PREFIX: `bench${tag}ev.`,
    },
  })
  return { server, api: new Api(server.url), serverKey, stream }
}

/** The stream's reader in a thread of its own (lib/jetstream-lag-reader.cjs), started before the sends. */
async function startLagReader(natsUrl: string, stream: string): Promise<{ count(): Promise<number>; stop(): Promise<number[]> }> {
  const w = new Worker(new URL('./lib/jetstream-lag-reader.cjs', import.meta.url), { workerData: { servers: natsUrl.replace('nats://', ''), stream } })
  const next = () =>
    new Promise<Record<string, any>>((resolve, reject) => {
      w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)))
      w.once('error', reject)
    })
  await next()
  return {
    count: async () => (w.postMessage('count'), (await next()).count as number),
    async stop() {
      w.postMessage('stop')
      const { lags } = await next()
      await w.terminate()
      return lags as number[]
    },
  }
}

/** Sends at `rate` per second for SECONDS, round robin over senders and conversations. */
async function openLoop(node: Node, senders: { token: string }[], convs: string[], rate: number): Promise<{ sent: number; errors: number; seconds: number }> {
  const pool = new Pool(node.server.url, { connections: CONNECTIONS, pipelining: 1 })
  let sent = 0
  let errors = 0
  const inflight = new Set<Promise<void>>()
  const start = nowMs()
  const total = rate * SECONDS
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate
    const wait = due - nowMs()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    if (inflight.size >= 4 * CONNECTIONS) await Promise.race(inflight)
    const s = senders[i % senders.length]
    const p = pool
      .request({ path: '/v1/messages/send', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` }, body: JSON.stringify({ conversationId: convs[i % convs.length], content: `bench ${i}` }) })
      .then(async (res) => {
        await res.body.text()
        if (res.statusCode === 201) sent++
        else errors++
      })
      .catch(() => void errors++)
      .finally(() => inflight.delete(p))
    inflight.add(p)
  }
  await Promise.all(inflight)
  const seconds = (nowMs() - start) / 1000
  await pool.close()
  return { sent, errors, seconds }
}

/** Closed-loop senders, round robin over `convs`, for `seconds`: sends/s and the CPU used meanwhile. */
async function closedLoop(node: Node, nats: PrivateNats, senders: { token: string }[], convs: string[], seconds = SECONDS): Promise<{ rate: number; cpu: CpuUse }> {
  const pool = new Pool(node.server.url, { connections: senders.length, pipelining: 1 })
  let sent = 0
  const before = snapshot({ server: node.server.pid, nats: nats.pid })
  const end = nowMs() + seconds * 1000
  await Promise.all(
    senders.map(async (s, w) => {
      for (let i = 0; nowMs() < end; i++) {
        const conversationId = convs[(w + i) % convs.length]
        const res = await pool.request({ path: '/v1/messages/send', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` }, body: JSON.stringify({ conversationId, content: `w${w} ${i}` }) })
        await res.body.text()
        if (res.statusCode === 201) sent++
      }
    }),
  )
  const cpu = cpuBetween(before, snapshot({ server: node.server.pid, nats: nats.pid }))
  await pool.close()
  return { rate: sent / seconds, cpu }
}

interface ThroughputRun {
  publish: boolean
  conversations: number
  rate: number
  cpu: CpuUse
}

/** One throughput point on a fresh node and database (so both sides start equally empty). */
async function throughput(nats: PrivateNats, publish: boolean, conversations: number): Promise<ThroughputRun> {
  const node = await startNode(nats, publish)
  const p = await provision(node.api, node.serverKey, 64, conversations === 1 ? 0 : conversations)
  // Warm up (JIT, plan caches, the stream) before measuring.
  await closedLoop(node, nats, p.senders.slice(0, 8), [p.one], 2)
  const r = await closedLoop(node, nats, p.senders, conversations === 1 ? [p.one] : p.many)
  await node.api.close()
  await node.server.stop()
  log(`throughput: publisher ${publish ? 'on ' : 'off'}, ${conversations} conv: ${Math.round(r.rate)} sends/s, server ${r.cpu.cores.server} / nats ${r.cpu.cores.nats} / postgres ${r.cpu.cores.postgres} cores, other ${r.cpu.otherCores}`)
  return { publish, conversations, ...r }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main() {
  installHandlers()
  const nats = await PrivateNats.start()
  onCleanup(() => nats.destroy())
  const machine = machineInfo(ROOT)
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.node}`)

  // 1. Lag at fixed rates, publisher on.
  const on = await startNode(nats, true)
  const p = await provision(on.api, on.serverKey, 64, 50)
  const lagRows: string[] = []
  for (const [layout, convs] of [['50 conversations', p.many], ['1 conversation', [p.one]]] as const) for (const rate of RATES) {
    const reader = await startLagReader(nats.url, on.stream)
    const r = await openLoop(on, p.senders, [...convs], rate)
    const deadline = Date.now() + 30_000
    let received = 0
    while ((received = await reader.count()) < r.sent && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100))
    const lag = new Samples()
    for (const ms of await reader.stop()) lag.add(ms)
    const s = lag.summary()
    log(`${layout}, rate ${rate}: ${r.sent} sent (${r.errors} errors) in ${round1(r.seconds)} s, ${received} on the stream`)
    lagRows.push(`| ${layout} | ${rate.toLocaleString('en')} | ${Math.round(r.sent / r.seconds).toLocaleString('en')} | ${received.toLocaleString('en')} / ${r.sent.toLocaleString('en')} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} |`)
  }
  await on.api.close()
  await on.server.stop()

  // 2. Throughput, 64 senders, publisher on and off interleaved on fresh nodes.
  const runs: ThroughputRun[] = []
  for (const conversations of [1, 100]) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const publish of round % 2 ? [false, true] : [true, false]) runs.push(await throughput(nats, publish, conversations))
    }
  }

  console.log(`\nMachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; PostgreSQL at ${new URL(ADMIN_URL).host}; nats-server -js (private); ${SECONDS} s per point; open loop over ${CONNECTIONS} connections.\n`)
  console.log('| spread over | target sends/s | achieved sends/s | on the stream | commit → JetStream p50 ms | p99 ms | max ms |')
  console.log('|---|---|---|---|---|---|---|')
  for (const row of lagRows) console.log(row)
  console.log(`\n| 64 senders (${ROUNDS} rounds, interleaved) | publisher on: sends/s | publisher off: sends/s | cost (medians) | server cores on / off | nats-server cores on / off | other cores (max) |`)
  console.log('|---|---|---|---|---|---|---|')
  for (const conversations of [1, 100]) {
    const pick = (publish: boolean) => runs.filter((r) => r.conversations === conversations && r.publish === publish)
    const [on, off] = [pick(true), pick(false)]
    const list = (rs: ThroughputRun[]) => rs.map((r) => Math.round(r.rate).toLocaleString('en')).join(' · ')
    const cores = (rs: ThroughputRun[], k: string) => median(rs.map((r) => r.cpu.cores[k] ?? 0)).toFixed(2)
    const cost = (1 - median(on.map((r) => r.rate)) / median(off.map((r) => r.rate))) * 100
    const other = Math.max(...runs.filter((r) => r.conversations === conversations).map((r) => r.cpu.otherCores))
    console.log(`| ${conversations} conversation${conversations > 1 ? 's' : ''} | ${list(on)} | ${list(off)} | ${cost >= 0 ? '−' : '+'}${Math.abs(cost).toFixed(1)} % | ${cores(on, 'server')} / ${cores(off, 'server')} | ${cores(on, 'nats')} / ${cores(off, 'nats')} | ${other.toFixed(2)} |`)
  }
}

main()
  .catch((err) => {
    log(`bench failed: ${(err as Error).stack}`)
    process.exitCode = 1
  })
  .finally(() => cleanupAll())
