/**
 * The JetStream domain-event publisher under load (`npx tsx bench/jetstream.ts`), on
 * PostgreSQL (PARLEY_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres;
 * a scratch database is created and dropped) and a private nats-server with JetStream on a free
 * port (removed afterwards). Prints two Markdown tables:
 *
 * 1. commit → JetStream lag at 1,000 and 5,000 sends/s (open loop, over 50 conversations):
 *    from the event's `occurredAt` (taken by the send queue just before its commit statement)
 *    to its arrival at an ordered JetStream consumer of the stream (after the stream stored it);
 * 2. send throughput into one conversation with 64 closed-loop senders, publisher on and off.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import { connect } from '@nats-io/transport-node'
import { jetstream } from '@nats-io/jetstream'
import { startServer, type ServerHandle } from './lib/server.js'
import { createDatabase } from './lib/scratch-db.js'
import { Api, provision } from './lib/api.js'
import { cleanupAll, installHandlers, onCleanup } from './lib/cleanup.js'
import { Samples, nowMs, round1 } from './lib/stats.js'
import { machineInfo } from './lib/machine.js'
import { PrivateNats } from '../test/private-nats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ADMIN_URL = process.env.PARLEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const RATES = [1_000, 5_000]
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

/** Sends at `rate` per second for SECONDS, round robin over senders and conversations. */
async function openLoop(node: Node, senders: { token: string }[], convs: string[], rate: number): Promise<{ sent: number; errors: number; seconds: number }> {
  const pool = new Pool(node.server.url, { connections: 64, pipelining: 1 })
  let sent = 0
  let errors = 0
  const inflight = new Set<Promise<void>>()
  const start = nowMs()
  const total = rate * SECONDS
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate
    const wait = due - nowMs()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    if (inflight.size >= 512) await Promise.race(inflight)
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

/** 64 closed-loop senders into one conversation for SECONDS. */
async function closedLoop(node: Node, senders: { token: string }[], conv: string): Promise<number> {
  const pool = new Pool(node.server.url, { connections: senders.length, pipelining: 1 })
  let sent = 0
  const end = nowMs() + SECONDS * 1000
  await Promise.all(
    senders.map(async (s, w) => {
      for (let i = 0; nowMs() < end; i++) {
        const res = await pool.request({ path: '/v1/messages/send', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` }, body: JSON.stringify({ conversationId: conv, content: `w${w} ${i}` }) })
        await res.body.text()
        if (res.statusCode === 201) sent++
      }
    }),
  )
  await pool.close()
  return sent / SECONDS
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
  const nc = await connect({ servers: nats.url.replace('nats://', '') })
  onCleanup(() => nc.close())
  const js = jetstream(nc)
  const lagRows: string[] = []
  for (const rate of RATES) {
    const lag = new Samples()
    const consumer = await js.consumers.get(on.stream, { opt_start_time: new Date().toISOString() })
    const messages = await consumer.consume()
    let received = 0
    const reading = (async () => {
      for await (const m of messages) {
        const e = m.json<{ occurredAt: string; type: string }>()
        if (e.type !== 'message.created') continue
        received++
        lag.add(Date.now() - Date.parse(e.occurredAt))
      }
    })()
    const r = await openLoop(on, p.senders, p.many, rate)
    const deadline = Date.now() + 30_000
    while (received < r.sent && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50))
    await messages.close()
    await reading
    const s = lag.summary()
    log(`rate ${rate}: ${r.sent} sent (${r.errors} errors) in ${round1(r.seconds)} s, ${received} on the stream`)
    lagRows.push(`| ${rate.toLocaleString('en')} | ${Math.round(r.sent / r.seconds).toLocaleString('en')} | ${received.toLocaleString('en')} / ${r.sent.toLocaleString('en')} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} |`)
  }
  // 2. Throughput, one conversation, 64 senders: publisher on (same node), then off.
  const withPublisher = await closedLoop(on, p.senders, p.one)
  await on.api.close()
  await on.server.stop()
  const off = await startNode(nats, false)
  const q = await provision(off.api, off.serverKey, 64, 0)
  const withoutPublisher = await closedLoop(off, q.senders, q.one)
  await off.api.close()
  await off.server.stop()

  console.log(`\nMachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; PostgreSQL at ${new URL(ADMIN_URL).host}; nats-server -js (private); ${SECONDS} s per point.\n`)
  console.log('| target sends/s | achieved sends/s | on the stream | commit → JetStream p50 ms | p99 ms | max ms |')
  console.log('|---|---|---|---|---|---|')
  for (const row of lagRows) console.log(row)
  console.log('\n| one conversation, 64 senders | sends/s |')
  console.log('|---|---|')
  console.log(`| publisher on | ${Math.round(withPublisher).toLocaleString('en')} |`)
  console.log(`| publisher off | ${Math.round(withoutPublisher).toLocaleString('en')} |`)
}

main()
  .catch((err) => {
    log(`bench failed: ${(err as Error).stack}`)
    process.exitCode = 1
  })
  .finally(() => cleanupAll())
