/**
 * Parley benchmark orchestrator (`npm run bench`, `npm run bench -- --help`).
 *
 * For each store (PGlite, PostgreSQL) it starts Parley as a child process on a fresh data
 * folder / fresh database, provisions users and conversations through the API, then runs each
 * measurement in a separate load-generator process (bench/worker.ts):
 *   1. durable sends/s and latency at each concurrency, into one conversation and into many;
 *   2. raw single-row INSERT rate into `messages` at the same concurrencies (server stopped);
 *   3. history: 1M messages seeded in SQL (server stopped), then list-messages page latency.
 * It prints Markdown tables and writes everything as JSON under bench/results/.
 * Children and the scratch database are removed even when the run fails or is interrupted.
 */
import { fork, execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { parseOptions, HELP, type BenchOptions, type Store } from './lib/options.js'
import { startServer, type ServerHandle } from './lib/server.js'
import { createDatabase } from './lib/scratch-db.js'
import { Api, provision, type Provisioned } from './lib/api.js'
import { children, cleanupAll, installHandlers, onCleanup } from './lib/cleanup.js'
import { snapshot, cpuBetween, machineBusyOver, type CpuSnapshot, type CpuUse } from './lib/cpu.js'
import { machineInfo, PG_SETTINGS } from './lib/machine.js'
import { renderMachine, renderStore, type BenchResult, type SendPoint, type RawPoint, type StoreResult } from './lib/report.js'
import type { Job, RateResult, HistoryResult } from './worker.js'
import type { SeedResult } from './lib/seed-sql.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const log = (s: string) => process.stderr.write(s + '\n')

// ---------------------------------------------------------------------------------------------
// Load-generator processes

interface WorkerHooks {
  onWindowStart?(): void
  onWindowEnd?(): void
}

/** Forks bench/worker.ts for one job; kills it if it overruns `timeoutMs`. */
function runWorker<T>(job: Job, timeoutMs: number, hooks: WorkerHooks = {}): { pid: number; done: Promise<T> } {
  const child = fork(join(ROOT, 'bench/worker.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.add(child)
  const pid = child.pid!
  const done = new Promise<T>((resolvePromise, reject) => {
    let settled = false
    const finish = (err: Error | undefined, result?: T) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err) reject(err)
      else resolvePromise(result as T)
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish(new Error(`the load generator overran ${Math.round(timeoutMs / 1000)} s (job ${job.mode})`))
    }, timeoutMs)
    child.on('message', (m: { event: string; result?: T; error?: string }) => {
      if (m.event === 'window-start') hooks.onWindowStart?.()
      else if (m.event === 'window-end') hooks.onWindowEnd?.()
      else if (m.event === 'done') finish(undefined, m.result)
      else if (m.event === 'failed') finish(new Error(`load generator: ${m.error}`))
    })
    child.on('exit', (code, signal) => {
      children.delete(child)
      finish(new Error(`the load generator exited (code ${code}, signal ${signal}) without an answer`))
    })
    child.on('error', (err) => finish(err))
    child.send(job)
  })
  return { pid, done }
}

/** The worker's pid is only known once forked, so CPU sampling resolves it lazily. */
function cpuWindow(pids: () => Record<string, number | undefined>) {
  let a: CpuSnapshot | undefined
  let use: CpuUse | undefined
  return {
    start: () => void (a = snapshot(pids())),
    end: () => void (a && (use = cpuBetween(a, snapshot(pids())))),
    get: () => use,
  }
}

// ---------------------------------------------------------------------------------------------
// Server metrics over a window

interface ServerCounters {
  batchSum: number
  batchCount: number
  sendSeconds: number
  sendCount: number
}

function metric(text: string, name: string, labels?: string): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (labels ? rest.startsWith('{') && rest.includes(labels) : rest.startsWith(' ')) return Number(rest.slice(rest.lastIndexOf(' ') + 1))
  }
  return 0
}

async function serverCounters(api: Api, metricsToken: string): Promise<ServerCounters | undefined> {
  try {
    const t = await api.get('/metrics', metricsToken)
    return {
      batchSum: metric(t, 'parley_send_batch_size_sum'),
      batchCount: metric(t, 'parley_send_batch_size_count'),
      sendSeconds: metric(t, 'parley_http_request_duration_seconds_sum', 'op="send-message"'),
      sendCount: metric(t, 'parley_http_request_duration_seconds_count', 'op="send-message"'),
    }
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// One store


const secs = (s: number) => Math.round(s * 1000)

/**
 * What the server child gets besides HOST, PORT, PARLEY_DATA_DIR, PARLEY_SERVER_KEY,
 * DATABASE_URL and LOG_LEVEL=warn: the caller's other PARLEY_* knobs (batch size, pool size…) and NATS_URL,
 * (--server-node-args go on the server's node command line instead).
 */
export function serverEnv(opts: BenchOptions): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if ((k.startsWith('PARLEY_') || k === 'NATS_URL') && v !== undefined && k !== 'PARLEY_DATA_DIR' && k !== 'PARLEY_SERVER_KEY') env[k] = v
  }
  return env
}

async function benchStore(store: Store, opts: BenchOptions, pgVersion: string | undefined): Promise<StoreResult> {
  const result: StoreResult = { store, label: store === 'pglite' ? 'PGlite (embedded, in the server process)' : `PostgreSQL ${pgVersion ?? ''}`.trim(), send: [], raw: [] }
  const dataDir = mkdtempSync(join(tmpdir(), `parley-bench-${store}-`))
  const local: (() => Promise<void> | void)[] = []
  const later = (task: () => Promise<void> | void) => {
    const off = onCleanup(task)
    local.push(async () => {
      off()
      await task()
    })
  }
  later(() => rmSync(dataDir, { recursive: true, force: true }))
  const serverKey = 'psk_bench_' + randomBytes(16).toString('hex')
  let server: ServerHandle | undefined
  let api: Api | undefined
  try {
    let databaseUrl: string | undefined
    if (store === 'postgres') {
      const db = await createDatabase(opts.pgUrl)
      later(() => db.drop())
      databaseUrl = db.url
      log(`[postgres] scratch database ${db.name}`)
    }
    const start = async () => {
      server = await startServer({ root: ROOT, mode: opts.server, dataDir, serverKey, databaseUrl, env: serverEnv(opts), nodeArgs: opts.serverNodeArgs?.split(/\s+/).filter(Boolean) })
      api = new Api(server.url)
    }
    const stop = async () => {
      await api?.close().catch(() => undefined)
      await server?.stop()
      server = undefined
      api = undefined
    }
    await start()
    const t0 = performance.now()
    const maxC = Math.max(...opts.concurrency)
    const prov: Provisioned = await provision(api!, serverKey, maxC, opts.conversations)
    result.provisionSeconds = Math.round(performance.now() - t0) / 1000
    log(`[${store}] provisioned ${maxC} senders and ${opts.conversations + 3} conversations in ${result.provisionSeconds} s`)

    const timeout = secs(opts.warmup + opts.duration) + 120_000
    if (opts.parts.includes('send')) {
      for (const c of opts.concurrency) {
        for (const scenario of ['one', 'many'] as const) {
          const senders = prov.senders.slice(0, c).map((u, i) => ({
            token: u.token,
            conversations:
              scenario === 'one'
                ? [prov.one]
                : c >= prov.many.length
                  ? [prov.many[i % prov.many.length]]
                  : prov.many.filter((_, j) => j % c === i),
          }))
          let workerPid: number | undefined
          const cpu = cpuWindow(() => ({ server: server?.pid, worker: workerPid }))
          let before: Promise<ServerCounters | undefined> = Promise.resolve(undefined)
          let after: Promise<ServerCounters | undefined> = Promise.resolve(undefined)
          const job: Job = { mode: 'send', url: server!.url, warmupMs: secs(opts.warmup), durationMs: secs(opts.duration), senders, contentLength: opts.contentLength }
          const w = runWorker<RateResult>(job, timeout, {
            onWindowStart: () => {
              cpu.start()
              before = serverCounters(api!, serverKey)
            },
            onWindowEnd: () => {
              cpu.end()
              after = serverCounters(api!, serverKey)
            },
          })
          workerPid = w.pid
          const r = await w.done
          const [b, a] = await Promise.all([before, after])
          const point: SendPoint = { ...r, concurrency: c, scenario, conversations: scenario === 'one' ? 1 : prov.many.length, cpu: cpu.get() }
          if (a && b) {
            const batches = a.batchCount - b.batchCount
            point.server = {
              batches,
              meanBatch: batches ? Math.round(((a.batchSum - b.batchSum) / batches) * 10) / 10 : 0,
              serverMeanMs: a.sendCount > b.sendCount ? Math.round(((a.sendSeconds - b.sendSeconds) / (a.sendCount - b.sendCount)) * 1e6) / 1000 : NaN,
            }
          }
          result.send.push(point)
          log(
            `[${store}] send, ${scenario === 'one' ? '1 conversation' : `${point.conversations} conversations`}, ${c} senders: ` +
              `${r.perSecond}/s p50 ${r.latency.p50Ms} ms p99 ${r.latency.p99Ms} ms` +
              (point.server ? `, mean batch ${point.server.meanBatch}` : '') +
              (point.cpu ? `, cores server ${point.cpu.cores.server} loadgen ${point.cpu.cores.worker} postgres ${point.cpu.cores.postgres}` : '') +
              (r.errors ? `, ${r.errors} errors: ${r.errorSamples[0]}` : ''),
          )
        }
      }
    }
    // Raw inserts and seeding touch the database directly: the server is stopped (PGlite allows one process).
    await stop()

    const dbRef = store === 'postgres' ? { driver: 'pg' as const, url: databaseUrl } : { driver: 'pglite' as const, dir: join(dataDir, 'pglite') }
    if (opts.parts.includes('raw')) {
      for (const [i, c] of opts.concurrency.entries()) {
        let workerPid: number | undefined
        const cpu = cpuWindow(() => ({ worker: workerPid }))
        const job: Job = {
          mode: 'raw',
          db: dbRef,
          conversationId: prov.raw,
          senderIds: prov.senders.map((s) => s.id),
          seqBase: 1_000_000_000 * (i + 1),
          concurrency: c,
          warmupMs: secs(opts.warmup),
          durationMs: secs(opts.duration),
          contentLength: opts.contentLength,
        }
        const w = runWorker<RateResult>(job, timeout, { onWindowStart: cpu.start, onWindowEnd: cpu.end })
        workerPid = w.pid
        const r = await w.done
        const point: RawPoint = { ...r, concurrency: c, cpu: cpu.get() }
        result.raw.push(point)
        log(`[${store}] raw inserts, ${c} clients: ${r.perSecond}/s p50 ${r.latency.p50Ms} ms p99 ${r.latency.p99Ms} ms${r.errors ? `, ${r.errors} errors: ${r.errorSamples[0]}` : ''}`)
      }
    }

    if (opts.parts.includes('history')) {
      log(`[${store}] seeding ${opts.historyMessages.toLocaleString('en-US')} messages…`)
      const seedTimeout = 3 * 3600_000
      const seed = await runWorker<SeedResult>(
        {
          mode: 'seed',
          db: dbRef,
          spec: { conversationId: prov.history, senderIds: prov.senders.map((s) => s.id), messages: opts.historyMessages, chunk: opts.seedChunk, contentLength: opts.contentLength },
        },
        seedTimeout,
      ).done
      log(`[${store}] seeded in ${seed.totalSeconds.toFixed(1)} s (messages ${seed.messagesSeconds.toFixed(1)} s, events ${seed.eventsSeconds.toFixed(1)} s, commit + analyze ${seed.analyzeSeconds.toFixed(1)} s)`)
      await start()
      const warmupRequests = Math.min(200, Math.ceil(opts.historyRequests / 10))
      const h = await runWorker<HistoryResult>(
        {
          mode: 'history',
          url: server!.url,
          token: prov.senders[0].token,
          conversationId: prov.history,
          firstSeq: seed.firstSeq,
          lastSeq: seed.lastSeq,
          limit: opts.historyLimit,
          requests: opts.historyRequests,
          warmupRequests,
          concurrency: opts.historyConcurrency,
          newestEvery: 10,
        },
        30 * 60_000,
      ).done
      result.history = { ...h, messages: opts.historyMessages, limit: opts.historyLimit, seed }
      log(`[${store}] history: p50 ${h.all.p50Ms} ms p99 ${h.all.p99Ms} ms over ${h.all.count} pages (random before p99 ${h.random.p99Ms} ms, newest p99 ${h.newest.p99Ms} ms)`)
      await stop()
    }
  } catch (err) {
    result.error = (err as Error).message
    log(`[${store}] FAILED: ${(err as Error).stack ?? err}`)
  } finally {
    await api?.close().catch(() => undefined)
    await server?.stop()
    for (const task of local.reverse()) {
      try {
        await task()
      } catch (e) {
        log(`[${store}] clean-up: ${(e as Error).message}`)
      }
    }
  }
  return result
}

// ---------------------------------------------------------------------------------------------

/** A URL's password never reaches the output or the JSON. */
const redact = (s: string) => s.replace(/(\/\/[^:/@\s]+:)[^@\s]*@/g, '$1***@')
const SECRET_NAME = /SECRET|KEY|PASSWORD|TOKEN/i
const masked = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, SECRET_NAME.test(k) ? '***' : redact(v)]))

function commandLine(): string {
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_') || (k.startsWith('PARLEY_') && k !== 'PARLEY_DATA_DIR' && k !== 'PARLEY_SERVER_KEY'))
    .map(([k, v]) => `${k}=${SECRET_NAME.test(k) ? '***' : v}`)
  const args = process.argv.slice(2)
  return redact([...env, 'npm run bench', ...(args.length ? ['--', ...args] : [])].join(' '))
}

async function postgresInfo(url: string): Promise<{ version: string; settings: Record<string, string> } | undefined> {
  const c = new pg.Client({ connectionString: url })
  try {
    await c.connect()
    const settings: Record<string, string> = {}
    for (const s of PG_SETTINGS) settings[s] = (await c.query(`SHOW ${s}`)).rows[0][s]
    const version = settings.server_version
    delete settings.server_version
    return { version, settings }
  } finally {
    await c.end().catch(() => undefined)
  }
}

async function main() {
  let opts: BenchOptions
  try {
    const parsed = parseOptions(process.argv.slice(2))
    if (parsed === 'help') {
      process.stdout.write(HELP)
      return
    }
    opts = parsed
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exitCode = 2
    return
  }
  installHandlers()
  const machine = machineInfo(ROOT)
  const bench: BenchResult = { startedAt: new Date().toISOString(), command: commandLine(), smoke: opts.smoke, options: { ...opts, pgUrl: redact(opts.pgUrl) }, serverEnv: masked(serverEnv(opts)), machine, stores: [] }
  if (opts.stores.includes('postgres')) {
    const info = await postgresInfo(opts.pgUrl)
    machine.postgres = info?.version
    machine.postgresSettings = info?.settings
  }
  if (opts.server === 'dist' && opts.build) {
    log('building (npm run build)…')
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] })
  }
  machine.busyBeforeRun = await machineBusyOver(1000)
  if (machine.busyBeforeRun > 0.1) log(`warning: the machine is ${Math.round(machine.busyBeforeRun * 100)} % busy before the run; figures will be disturbed`)
  try {
    for (const store of opts.stores) bench.stores.push(await benchStore(store, opts, machine.postgres))
  } finally {
    await cleanupAll()
  }
  bench.finishedAt = new Date().toISOString()

  const outDir = resolve(ROOT, opts.outDir)
  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, `${bench.startedAt.replace(/[:.]/g, '-')}${opts.smoke ? '-smoke' : ''}.json`)
  writeFileSync(file, JSON.stringify(bench, null, 2) + '\n')

  const text = [
    '',
    `## Parley benchmark${opts.smoke ? ' (SMOKE RUN: short points, small history — not representative)' : ''}`,
    '',
    renderMachine(bench),
    '',
    ...bench.stores.map((s) => renderStore(s, opts, machine.cpus)),
    `JSON: ${file}`,
    '',
  ].join('\n')
  process.stdout.write(text)
  if (bench.stores.some((s) => s.error)) process.exitCode = 1
}

main().catch(async (err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`)
  await cleanupAll()
  process.exit(1)
})
