/**
 * Bench options: flags (`--duration=10`) override environment variables (`BENCH_DURATION=10`),
 * which override the defaults. `--smoke` switches to a seconds-long configuration.
 */
export type Store = 'pglite' | 'postgres'
export type Part = 'send' | 'raw' | 'history'

export interface BenchOptions {
  stores: Store[]
  parts: Part[]
  /** Concurrent senders (and raw-insert clients) per point. */
  concurrency: number[]
  /** Conversations of the "many conversations" scenario. */
  conversations: number
  /** Seconds measured per point, after `warmup` seconds not counted. */
  duration: number
  warmup: number
  historyMessages: number
  historyRequests: number
  historyLimit: number
  /** Concurrent history readers (1: pure latency). */
  historyConcurrency: number
  /** Rows per seeding INSERT statement. */
  seedChunk: number
  /** A PostgreSQL URL the bench may CREATE DATABASE / DROP DATABASE through. */
  pgUrl: string
  /** `dist`: npm run build, then node dist/main.js. `tsx`: node --import tsx src/main.ts. */
  server: 'dist' | 'tsx'
  build: boolean
  outDir: string
  smoke: boolean
  /** Length of each message's content, characters. */
  contentLength: number
  /** Extra node arguments for the server child, space-separated (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof). */
  serverNodeArgs?: string
}

const SMOKE: Partial<BenchOptions> = {
  duration: 1,
  warmup: 0.5,
  historyMessages: 10_000,
  historyRequests: 200,
  seedChunk: 5_000,
}

const HELP = `Parley benchmark: durable sends over HTTP, history pages at 1M messages, raw insert rate.

  npm run bench [-- options]        (npm run bench:send / bench:raw / bench:history: one part)

Options (flag, environment variable, default):
  --smoke                         seconds-long run: 1 s points, 10k history messages
  --stores=LIST       BENCH_STORES          pglite,postgres
  --only=LIST         BENCH_ONLY            send,raw,history
  --concurrency=LIST  BENCH_CONCURRENCY     1,16,64
  --conversations=N   BENCH_CONVERSATIONS   100
  --duration=S        BENCH_DURATION        10   seconds measured per point
  --warmup=S          BENCH_WARMUP          2    seconds per point before measuring
  --history-messages=N  BENCH_HISTORY_MESSAGES  1000000
  --history-requests=N  BENCH_HISTORY_REQUESTS  2000
  --history-limit=N     BENCH_HISTORY_LIMIT     50
  --history-concurrency=N BENCH_HISTORY_CONCURRENCY 1
  --seed-chunk=N      BENCH_SEED_CHUNK      250000 rows per seeding INSERT
  --content-length=N  BENCH_CONTENT_LENGTH  64
  --pg-url=URL        BENCH_PG_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres
                      (the bench creates parley_bench_<random> there and drops it at the end)
  --server=dist|tsx   BENCH_SERVER          dist (npm run build, node dist/main.js)
  --no-build          BENCH_NO_BUILD=1      use the existing dist/
  --server-node-args=ARGS BENCH_SERVER_NODE_ARGS  node arguments for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
Other PARLEY_* variables in the environment (PARLEY_SEND_BATCH_MAX, PARLEY_DB_POOL_SIZE, …) are passed to the server.
  --out=DIR           BENCH_OUT             bench/results
`

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | 'help' {
  const flags = readFlags(argv)
  if (flags === 'help') return 'help'
  const known = new Set([
    'smoke', 'stores', 'only', 'concurrency', 'conversations', 'duration', 'warmup', 'history-messages', 'history-requests',
    'history-limit', 'history-concurrency', 'seed-chunk', 'content-length', 'pg-url', 'server', 'no-build', 'out', 'server-node-args',
  ])
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k} (see --help)`)

  const smoke = flags.has('smoke') || env.BENCH_SMOKE === '1'
  const get = (flag: string): string | undefined => {
    const v = flags.get(flag) ?? env['BENCH_' + flag.toUpperCase().replace(/-/g, '_')]
    return v === '' ? undefined : v
  }
  const num = (flag: string, dflt: number, min: number, integer = true): number => {
    const raw = get(flag)
    if (raw === undefined) return dflt
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`--${flag} must be a number ≥ ${min}${integer ? ' (integer)' : ''}, got ${raw}`)
    return n
  }
  const list = <T extends string>(flag: string, dflt: T[], allowed: readonly T[]): T[] => {
    const raw = get(flag)
    if (raw === undefined) return dflt
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean) as T[]
    for (const i of items) if (!allowed.includes(i)) throw new Error(`--${flag}: ${i} is not one of ${allowed.join(', ')}`)
    return items
  }
  const d = { ...DEFAULTS, ...(smoke ? SMOKE : {}) }
  const concurrency = (get('concurrency') ?? d.concurrency.join(','))
    .split(',')
    .map((s) => Number(s.trim()))
  if (!concurrency.length || concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 1000)) throw new Error('--concurrency must be a list of integers 1..1000')
  const server = get('server') ?? 'dist'
  if (server !== 'dist' && server !== 'tsx') throw new Error('--server must be dist or tsx')
  const opts: BenchOptions = {
    smoke,
    stores: list<Store>('stores', d.stores, ['pglite', 'postgres']),
    parts: list<Part>('only', d.parts, ['send', 'raw', 'history']),
    concurrency,
    conversations: num('conversations', d.conversations, 1),
    duration: num('duration', d.duration, 0.1, false),
    warmup: num('warmup', d.warmup, 0, false),
    historyMessages: num('history-messages', d.historyMessages, 1000),
    historyRequests: num('history-requests', d.historyRequests, 10),
    historyLimit: num('history-limit', d.historyLimit, 1),
    historyConcurrency: num('history-concurrency', d.historyConcurrency, 1),
    seedChunk: num('seed-chunk', d.seedChunk, 1000),
    contentLength: num('content-length', d.contentLength, 1),
    pgUrl: get('pg-url') ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    server,
    build: !(flags.has('no-build') || env.BENCH_NO_BUILD === '1'),
    outDir: get('out') ?? 'bench/results',
    serverNodeArgs: get('server-node-args'),
  }
  if (opts.historyLimit > 200) throw new Error('--history-limit is at most 200 (the API maximum)')
  return opts
}

const DEFAULTS: BenchOptions = {
  smoke: false,
  stores: ['pglite', 'postgres'],
  parts: ['send', 'raw', 'history'],
  concurrency: [1, 16, 64],
  conversations: 100,
  duration: 10,
  warmup: 2,
  historyMessages: 1_000_000,
  historyRequests: 2_000,
  historyLimit: 50,
  historyConcurrency: 1,
  seedChunk: 250_000,
  pgUrl: '',
  server: 'dist',
  build: true,
  outDir: 'bench/results',
  contentLength: 64,
}

export { HELP }

/** `--name=value` and `--flag` arguments as a map (a bare flag is `'true'`); `'help'` for --help / -h. */
export function readFlags(argv: string[]): Map<string, string> | 'help' {
  const flags = new Map<string, string>()
  for (const a of argv) {
    if (a === '--help' || a === '-h') return 'help'
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a)
    if (!m) throw new Error(`unknown argument ${a} (see --help)`)
    flags.set(m[1], m[2] ?? 'true')
  }
  return flags
}
