/**
 * Reactions and edits into one hot message and one hot conversation
 * (`npx tsx bench/reactions.ts`), 64 closed-loop clients over HTTP, on PostgreSQL
 * (PARLEY_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a scratch
 * database is created and dropped) and on PGlite (embedded, in a temporary folder).
 * BENCH_STORES=postgres,pglite chooses; BENCH_SECONDS (default 8) is each point's length.
 *
 * Every state-changing call takes the conversation's row lock and appends an event, so one hot
 * conversation is one serial stream of transactions: these figures are that stream's rate.
 * Points, each with 64 clients (one user each, all members of one group):
 * - react / unreact, one message: each client adds then removes its reaction (8 emoji shared
 *   by the 64), every call a change and an event;
 * - repeat add, one message: each client adds the reaction it already has (no change, no
 *   event: the idempotent path, still under the lock);
 * - react / unreact, 64 messages of one conversation: as the first, each client on its own message;
 * - edit, one conversation: each client edits its own message (a new version in the history
 *   and a `message.updated` each time);
 * - mixed: 32 clients react / unreact on the hot message while 32 edit their messages.
 * Prints a Markdown table: calls/s (answered 200), events/s (the conversation's seq advance: the
 * changes made), latency p50 / p99, errors, and the CPU the server, PostgreSQL and everything
 * else on the machine used during the point (cores; "other" > 0 means the figures were shared).
 */
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import { startServer } from './lib/server.js'
import { scratchStore } from './lib/scratch-db.js'
import { Api, mapLimit, provision } from './lib/api.js'
import { cleanupAll, installHandlers, onCleanup } from './lib/cleanup.js'
import { Samples, nowMs, round1 } from './lib/stats.js'
import { machineInfo } from './lib/machine.js'
import { cpuBetween, machineBusyOver, snapshot } from './lib/cpu.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ADMIN_URL = process.env.PARLEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const STORES = (process.env.BENCH_STORES ?? 'postgres,pglite').split(',').map((s) => s.trim()) as ('postgres' | 'pglite')[]
const CLIENTS = 64
const EMOJI = ['👍', '❤️', '😂', '🎉', '👀', '🔥', '✅', '🙏']
const log = (s: string) => process.stderr.write(s + '\n')

interface Client {
  id: string
  token: string
  /** The client's own message in the hot conversation (it may edit it). */
  own: string
}

/** One call of a client's loop: the path and body. */
type Step = (c: Client, i: number) => { path: string; body: unknown }

interface Point {
  name: string
  /** Each client's loop; clients past `steps.length` use the last. */
  steps: Step[]
}

/** The conversation's last seq: events appended between two reads are the changes made. */
const lastSeq = async (api: Api, serverKey: string, conversationId: string) =>
  (await api.call<{ lastSeq: number }>(`/v1/conversations/${conversationId}/get`, serverKey, {})).lastSeq

async function run(url: string, serverPid: number, clients: Client[], point: Point, events: () => Promise<number>) {
  const pool = new Pool(url, { connections: clients.length, pipelining: 1 })
  const latency = new Samples()
  const seqBefore = await events()
  const cpuBefore = snapshot({ server: serverPid, bench: process.pid })
  let calls = 0
  let errors = 0
  let firstError = ''
  const end = nowMs() + SECONDS * 1000
  const start = nowMs()
  await Promise.all(
    clients.map(async (c, w) => {
      const step = point.steps[Math.min(w * point.steps.length / clients.length, point.steps.length - 1) | 0]
      for (let i = 0; nowMs() < end; i++) {
        const { path, body } = step(c, i)
        const t0 = nowMs()
        const res = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` }, body: JSON.stringify(body) })
        const text = await res.body.text()
        latency.add(nowMs() - t0)
        if (res.statusCode === 200) calls++
        else {
          errors++
          firstError ||= `${res.statusCode} ${text.slice(0, 200)}`
        }
      }
    }),
  )
  const seconds = (nowMs() - start) / 1000
  const cpu = cpuBetween(cpuBefore, snapshot({ server: serverPid, bench: process.pid }))
  await pool.close()
  if (firstError) log(`  ${point.name}: first error ${firstError}`)
  return { calls: calls / seconds, events: ((await events()) - seqBefore) / seconds, errors, cpu, ...latency.summary() }
}

/** The client's emoji: 8 shared by the 64 clients. */
const emojiOf = (c: Client) => EMOJI[Number(c.id.slice(-4)) % EMOJI.length]
const react = (target: (c: Client) => string): Step => (c, i) => ({ path: `/v1/messages/${target(c)}/reactions/${i % 2 ? 'remove' : 'add'}`, body: { emoji: emojiOf(c) } })
const repeatAdd = (target: string): Step => (c) => ({ path: `/v1/messages/${target}/reactions/add`, body: { emoji: emojiOf(c) } })
const edit: Step = (c, i) => ({ path: `/v1/messages/${c.own}/update`, body: { content: `edit ${i} by ${c.id}` } })

async function benchStore(store: 'postgres' | 'pglite'): Promise<string[]> {
  const { dataDir, databaseUrl } = await scratchStore(store, ADMIN_URL, 'rx')
  const serverKey = 'psk_bench_' + randomBytes(8).toString('hex')
  const server = await startServer({ root: ROOT, mode: 'tsx', dataDir, serverKey, databaseUrl })
  onCleanup(() => server.stop())
  const api = new Api(server.url)
  const p = await provision(api, serverKey, CLIENTS, 0)
  const hot = (await api.call<{ id: string }>('/v1/messages/send', p.owner.token, { conversationId: p.one, content: 'the hot message' })).id
  const clients: Client[] = await mapLimit(p.senders, 8, async (s) => ({
    ...s,
    own: (await api.call<{ id: string }>('/v1/messages/send', s.token, { conversationId: p.one, content: `mine: ${s.id}` })).id,
  }))
  // Every client puts its reaction on the hot message first: the repeat-add point finds it there.
  await mapLimit(clients, 8, (c) => api.call(`/v1/messages/${hot}/reactions/add`, c.token, { emoji: emojiOf(c) }))
  const points: Point[] = [
    { name: 'repeat add (no-op), one message', steps: [repeatAdd(hot)] },
    { name: 'react / unreact, one message', steps: [react(() => hot)] },
    { name: 'react / unreact, 64 messages of one conversation', steps: [react((c) => c.own)] },
    { name: 'edit, one conversation', steps: [edit] },
    { name: 'mixed: 32 react / unreact one message + 32 edit', steps: [react(() => hot), edit] },
  ]
  const rows: string[] = []
  for (const point of points) {
    const r = await run(server.url, server.pid, clients, point, () => lastSeq(api, serverKey, p.one))
    const { cores, otherCores } = r.cpu
    log(`${store} · ${point.name}: ${Math.round(r.calls)} calls/s, ${Math.round(r.events)} events/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.errors} errors, cores ${JSON.stringify(cores)}, other ${otherCores}`)
    rows.push(
      `| ${store} | ${point.name} | ${Math.round(r.calls).toLocaleString('en')} | ${Math.round(r.events).toLocaleString('en')} | ${round1(r.p50Ms)} | ${round1(r.p99Ms)} | ${r.errors} | ${cores.server} | ${store === 'postgres' ? cores.postgres : '—'} | ${otherCores} |`,
    )
  }
  // The figures are only worth printing if the state is what the calls made it.
  const check = await api.call<{ reactions: Record<string, { count: number }> }>(`/v1/messages/${hot}/get`, serverKey, {})
  log(`${store}: hot message reactions after the run: ${JSON.stringify(check.reactions)}`)
  await api.close()
  await server.stop()
  return rows
}

async function main() {
  installHandlers()
  const machine = machineInfo(ROOT)
  log(`machine busy before the run (1 s): ${Math.round((await machineBusyOver(1000)) * 100)} %`)
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.node}, PGlite ${machine.pglite}`)
  const rows: string[] = []
  for (const store of STORES) rows.push(...(await benchStore(store)))
  console.log(`\n${CLIENTS} closed-loop clients over HTTP, ${SECONDS} s per point, one group conversation (${machine.cpus} × ${machine.cpuModel}, node ${machine.node})\n`)
  console.log('| store | point | calls/s | events/s | p50 ms | p99 ms | errors | server cores | postgres cores | other cores |')
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) console.log(r)
}

main()
  .catch((err) => {
    log(String(err?.stack ?? err))
    process.exitCode = 1
  })
  .finally(() => cleanupAll())
