/**
 * Search benchmark (`npx tsx bench/search.ts [--stores=pglite,postgres] [--only=search,send]`),
 * on PGlite and PostgreSQL (PARLEY_BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres; scratch databases are created and dropped).
 *
 * 1. search: 1,000,000 messages of Zipf-distributed text over 20,000 conversations seeded in
 *    SQL (bench/lib/search-seed.ts), the search indexes built afterwards (timed), then
 *    `search-messages` over HTTP against a started server, one request at a time, for a user in
 *    50 conversations (global) and in the largest conversation, beside the raw query (the
 *    tsquery / LIKE on the same indexes, ranked and limited, over one connection in this
 *    process) on the same data in the same run;
 * 2. send: durable sends/s, 64 closed-loop senders into one conversation, with the search
 *    indexes kept (PARLEY_SEARCH_INDEX=on) and without (off), alternating, on fresh stores.
 *
 * Options (flag or environment): --messages (BENCH_SEARCH_MESSAGES, 1000000), --queries
 * (BENCH_SEARCH_QUERIES, 60 per class and scenario), --send-seconds (BENCH_SEND_SECONDS, 10),
 * --send-rounds (BENCH_SEND_ROUNDS, 2), --concurrency (64).
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { PGlite } from '@electric-sql/pglite'
import { startServer, type ServerHandle } from './lib/server.js'
import { scratchStore } from './lib/scratch-db.js'
import { Api, provision } from './lib/api.js'
import { cleanupAll, installHandlers, onCleanup } from './lib/cleanup.js'
import { nowMs, round1, type LatencySummary } from './lib/stats.js'
import { machineInfo } from './lib/machine.js'
import { machineBusyOver } from './lib/cpu.js'
import { readFlags } from './lib/options.js'
import { seedSearch, type SearchSeed } from './lib/search-seed.js'
import { buildQueries, runOp, runRaw, summary, type Runner } from './lib/search-queries.js'
import { closedLoop, sendBodies } from './lib/search-sends.js'
import type { SqlRunner } from './lib/seed-sql.js'
import { pgliteExtensions, openPglite } from '../src/store/pglite.js'
import { openPostgres } from '../src/store/postgres.js'
import { ensureSearchIndexes } from '../src/search/search.sql.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const log = (s: string) => process.stderr.write(s + '\n')
type Store = 'pglite' | 'postgres'

const flags = readFlags(process.argv.slice(2))
if (flags === 'help') {
  process.stdout.write(String(fileURLToPath(import.meta.url)) + ': see the comment at the top of the file\n')
  process.exit(0)
}
const opt = (name: string, dflt: string) => flags.get(name) ?? process.env['BENCH_' + name.toUpperCase().replace(/-/g, '_')] ?? dflt
const ADMIN_URL = process.env.PARLEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const STORES = opt('stores', 'pglite,postgres').split(',') as Store[]
const PARTS = opt('only', 'search,send').split(',')
const MESSAGES = Number(opt('search-messages', opt('messages', '1000000')))
const QUERIES = Number(opt('search-queries', opt('queries', '60')))
const SEND_SECONDS = Number(opt('send-seconds', '10'))
const SEND_ROUNDS = Number(opt('send-rounds', '2'))
const CONCURRENCY = Number(opt('concurrency', '64'))
const LANGUAGE = 'english'

// ---------------------------------------------------------------------------------------------
// Stores

interface Scratch {
  store: Store
  dataDir: string
  databaseUrl?: string
  serverKey: string
}

async function scratch(store: Store, tag: string): Promise<Scratch> {
  const { dataDir, databaseUrl } = await scratchStore(store, ADMIN_URL, `search-${tag}`)
  return { store, dataDir, databaseUrl, serverKey: 'psk_bench_' + randomBytes(12).toString('hex') }
}

const serve = (s: Scratch, env: Record<string, string> = {}) =>
  startServer({ root: ROOT, mode: 'tsx', dataDir: s.dataDir, serverKey: s.serverKey, databaseUrl: s.databaseUrl, env })

/** A direct connection to the store, the server stopped (PGlite allows one process). */
async function rawConnection(s: Scratch): Promise<Runner & SqlRunner> {
  if (s.store === 'postgres') {
    const c = new pg.Client({ connectionString: s.databaseUrl })
    await c.connect()
    return { query: (sql: string, params?: unknown[]) => c.query(sql, params), close: () => c.end() }
  }
  const db = await PGlite.create(join(s.dataDir, 'pglite'), { extensions: pgliteExtensions })
  return { query: (sql: string, params?: unknown[]) => db.query(sql, params), close: () => db.close() }
}

async function sizes(c: SqlRunner): Promise<Record<string, number>> {
  const rows = (
    await c.query(
      `SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes FROM pg_class c
        WHERE c.relname IN ('messages') OR c.relname LIKE 'messages\\_search\\_%' OR c.relname = 'messages_pkey'`,
    )
  ).rows as { name: string; bytes: string | number }[]
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]))
}

interface SearchResult {
  store: Store
  seed: SearchSeed
  seedSeconds: number
  indexSeconds: number
  indexes: string[]
  sizes: Record<string, number>
  rows: { scenario: string; kind: string; op: LatencySummary; raw: LatencySummary; meanHits: number }[]
  /** The slowest queries through the op, per scenario. */
  slowest: { scenario: string; query: string; kind: string; opMs: number; rawMs: number }[]
}

async function benchSearch(store: Store): Promise<SearchResult> {
  const s = await scratch(store, 'q')
  // 1. The schema (migrations), then no search column or indexes while seeding: a bulk load, indexed after.
  let server: ServerHandle = await serve(s)
  await server.stop()
  const open = () => (store === 'postgres' ? openPostgres({ url: s.databaseUrl!, poolSize: 2 }) : openPglite(s.dataDir))
  let db = await open()
  await ensureSearchIndexes(db, { language: LANGUAGE, enabled: false })
  await db.close()
  let c = await rawConnection(s)
  log(`[${store}] seeding ${MESSAGES.toLocaleString('en')} messages…`)
  const t0 = nowMs()
  const seed = await seedSearch(c, { messages: MESSAGES, conversations: 20_000, users: 2_000, searcherConversations: 50, cjkShare: 0.03, chunk: 100_000 })
  const seedSeconds = (nowMs() - t0) / 1000
  log(`[${store}] seeded in ${round1(seedSeconds)} s; the searcher reads ${seed.readableMessages.toLocaleString('en')} messages, the largest conversation has ${seed.bigConversationMessages.toLocaleString('en')}`)
  const queries = await buildQueries(async (w) => {
    const r = (await c.query(`SELECT numnode(to_tsquery('${LANGUAGE}'::regconfig, $1)) AS n`, [w])).rows[0] as { n: number }
    return Number(r.n) === 0
  }, QUERIES)
  await c.close()
  // 2. The search column and indexes, built the way a node builds them at start (PARLEY_SEARCH_INDEX off → on).
  const t1 = nowMs()
  db = await open()
  const indexes = await ensureSearchIndexes(db, { language: LANGUAGE, enabled: true })
  await db.query('ANALYZE messages')
  await db.close()
  const indexSeconds = (nowMs() - t1) / 1000
  log(`[${store}] built ${indexes.join(', ')} in ${round1(indexSeconds)} s`)

  // 3. search-messages through a started server.
  server = await serve(s)
  const api = new Api(server.url)
  const { token } = await api.call<{ token: string }>('/v1/auth/tokens/create', s.serverKey, { userId: seed.searcherId, ttlSeconds: 86_400 })
  await api.close()
  const scenarios = [
    { name: `global (member of ${seed.searcherConversationIds.length} conversations, ${seed.readableMessages.toLocaleString('en')} messages)`, conversationId: undefined, scope: 'member' as const, value: seed.searcherId },
    { name: `one conversation (${seed.bigConversationMessages.toLocaleString('en')} messages)`, conversationId: seed.bigConversationId, scope: 'conversation' as const, value: seed.bigConversationId },
  ]
  // Warm-up: every query once per scenario, unmeasured (caches, plans, JIT of the server).
  for (const sc of scenarios) await runOp(server.url, token, queries, sc.conversationId)
  const opTimes: { times: number[]; hits: number[] }[] = []
  for (const sc of scenarios) opTimes.push(await runOp(server.url, token, queries, sc.conversationId))
  // 4. The raw query on the same data (PGlite: the server stopped, it holds the only connection).
  const rawTimes: number[][] = []
  if (store === 'pglite') await server.stop()
  c = await rawConnection(s)
  for (const sc of scenarios) await runRaw(c, queries, sc.scope, sc.value)
  for (const sc of scenarios) rawTimes.push(await runRaw(c, queries, sc.scope, sc.value))
  const sz = await sizes(c)
  await c.close()
  await server.stop()

  const kinds = [...new Set(queries.map((q) => q.kind))]
  const rows: SearchResult['rows'] = []
  scenarios.forEach((sc, i) => {
    const pickBy = (kind: string | null, xs: number[]) => xs.filter((_, j) => kind === null || queries[j].kind === kind)
    for (const kind of [...kinds, null]) {
      const hits = pickBy(kind, opTimes[i].hits)
      rows.push({ scenario: sc.name, kind: kind ?? 'all queries', op: summary(pickBy(kind, opTimes[i].times)), raw: summary(pickBy(kind, rawTimes[i])), meanHits: hits.reduce((a, b) => a + b, 0) / hits.length })
    }
  })
  const slowest = scenarios.flatMap((sc, i) =>
    queries
      .map((q, j) => ({ scenario: sc.name, query: q.text, kind: q.kind, opMs: opTimes[i].times[j], rawMs: rawTimes[i][j] }))
      .sort((a, b) => b.opMs - a.opMs)
      .slice(0, 3),
  )
  return { store, seed, seedSeconds, indexSeconds, indexes, sizes: sz, rows, slowest }
}

// ---------------------------------------------------------------------------------------------
// Sends with and without the search indexes

/** The server's process and, on PostgreSQL, the backends connected to its database. */
async function processesOf(server: ServerHandle, s: Scratch): Promise<Record<string, number>> {
  const out: Record<string, number> = { server: server.pid }
  if (s.store === 'postgres') {
    const c = new pg.Client({ connectionString: s.databaseUrl })
    await c.connect()
    try {
      const rows = (await c.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows as { pid: number }[]
      for (const r of rows) out[`backend ${r.pid}`] = r.pid
    } finally {
      await c.end()
    }
  }
  return out
}

interface SendResult {
  store: Store
  rounds: { index: 'on' | 'off'; perSecond: number; p99Ms: number; errors: number; cpuUsPerSend: number; otherCores: number }[]
}

async function benchSend(store: Store): Promise<SendResult> {
  const modes = ['on', 'off'] as const
  const setups = new Map<string, { s: Scratch; senders: { token: string }[]; bodies: string[] }>()
  const rounds: SendResult['rounds'] = []
  for (let r = 0; r < SEND_ROUNDS; r++) {
    for (const index of r % 2 === 0 ? modes : [...modes].reverse()) {
      let setup = setups.get(index)
      const s = setup?.s ?? (await scratch(store, `send-${index}`))
      const server = await serve(s, { PARLEY_SEARCH_INDEX: index })
      try {
        if (!setup) {
          const api = new Api(server.url)
          const p = await provision(api, s.serverKey, CONCURRENCY, 0)
          await api.close()
          setup = { s, senders: p.senders, bodies: sendBodies(20_000, p.one) }
          setups.set(index, setup)
        }
        const res = await closedLoop(server.url, setup.senders, setup.bodies, SEND_SECONDS, () => processesOf(server, s))
        rounds.push({ index, ...res })
        log(`[${store}] sends, search index ${index}: ${res.perSecond}/s p99 ${res.p99Ms} ms, ${res.cpuUsPerSend} µs CPU per send${res.errors ? `, ${res.errors} errors` : ''}`)
      } finally {
        await server.stop()
      }
    }
  }
  return { store, rounds }
}

// ---------------------------------------------------------------------------------------------

const ms = (n: number) => (Number.isNaN(n) ? '—' : n < 10 ? n.toFixed(2) : n.toFixed(1))
const mib = (b: number | undefined) => (b === undefined ? '—' : `${Math.round(b / 2 ** 20).toLocaleString('en')} MiB`)

async function main() {
  installHandlers()
  const machine = machineInfo(ROOT)
  const busy = await machineBusyOver(1000)
  const out: string[] = [
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, PGlite ${machine.pglite}; ` +
      `busy before the run ${Math.round(busy * 100)} %. Command: \`npx tsx bench/search.ts ${process.argv.slice(2).join(' ')}\`.`,
    '',
  ]
  for (const store of STORES) {
    if (PARTS.includes('search')) {
      const r = await benchSearch(store)
      out.push(
        `### ${store === 'pglite' ? 'PGlite' : 'PostgreSQL'}: search at ${MESSAGES.toLocaleString('en')} messages`,
        '',
        `Seeded in ${round1(r.seedSeconds)} s; search column and indexes built in ${round1(r.indexSeconds)} s (${r.indexes.join(', ')}). ` +
          `messages (heap, with search_vector) ${mib(r.sizes.messages)}, words index ${mib(r.sizes.messages_search_words)}, trigram index ${mib(r.sizes.messages_search_unspaced)}. ` +
          `${QUERIES} queries of each kind per scenario, one at a time, after one unmeasured pass; op = search-messages over HTTP (limit 20, highlights, message views), raw = the ranked match alone over one connection.`,
        '',
        '| scenario | queries | mean hits | op p50 ms | op p99 ms | raw p50 ms | raw p99 ms | p99 op / raw |',
        '|---|---|---:|---:|---:|---:|---:|---:|',
        ...r.rows.map((x) => `| ${x.scenario} | ${x.kind} | ${round1(x.meanHits)} | ${ms(x.op.p50Ms)} | ${ms(x.op.p99Ms)} | ${ms(x.raw.p50Ms)} | ${ms(x.raw.p99Ms)} | ${(x.op.p99Ms / x.raw.p99Ms).toFixed(2)} |`),
        '',
        'Slowest through the op:',
        '',
        ...r.slowest.map((x) => `- ${x.scenario.split(' (')[0]}: "${x.query}" (${x.kind}): op ${ms(x.opMs)} ms, raw ${ms(x.rawMs)} ms`),
        '',
      )
    }
    if (PARTS.includes('send')) {
      const r = await benchSend(store)
      const mean = (i: 'on' | 'off', k: 'perSecond' | 'cpuUsPerSend') => {
        const xs = r.rounds.filter((x) => x.index === i).map((x) => x[k])
        return xs.reduce((a, b) => a + b, 0) / xs.length
      }
      out.push(
        `### ${store === 'pglite' ? 'PGlite' : 'PostgreSQL'}: durable sends, ${CONCURRENCY} senders, one conversation, ${SEND_SECONDS} s per round after 2 s`,
        '',
        `| round | search indexes | sends/s | p99 ms | CPU µs per send (server${store === 'postgres' ? ' + its backends' : ', PGlite inside'}) | other cores (load generator included) | errors |`,
        '|---|---|---:|---:|---:|---:|---:|',
        ...r.rounds.map((x, i) => `| ${i + 1} | ${x.index} | ${x.perSecond.toLocaleString('en')} | ${ms(x.p99Ms)} | ${x.cpuUsPerSend} | ${x.otherCores.toFixed(2)} | ${x.errors} |`),
        '',
        `Mean: on ${Math.round(mean('on', 'perSecond')).toLocaleString('en')}/s, off ${Math.round(mean('off', 'perSecond')).toLocaleString('en')}/s: ` +
          `the search column and indexes cost ${((1 - mean('on', 'perSecond') / mean('off', 'perSecond')) * 100).toFixed(1)} % of the send rate; ` +
          `CPU per send ${Math.round(mean('on', 'cpuUsPerSend'))} µs against ${Math.round(mean('off', 'cpuUsPerSend'))} µs (+${((mean('on', 'cpuUsPerSend') / mean('off', 'cpuUsPerSend') - 1) * 100).toFixed(1)} %).`,
        '',
      )
    }
  }
  console.log('\n' + out.join('\n'))
}

main()
  .catch((err) => {
    log(`bench failed: ${(err as Error).stack}`)
    process.exitCode = 1
  })
  .finally(() => cleanupAll())
