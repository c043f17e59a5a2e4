/**
 * The real-time benchmark of issue 3 (`npm run bench:realtime`, `-- --smoke`, `-- --help`).
 *
 * On PostgreSQL (a scratch database), Parley runs as its own process (node dist/main.js) and
 * the load generators (bench/realtime/loadgen.ts) as separate processes, each connecting from
 * its own 127.0.0.x source address. Every part runs twice in the same run with the same
 * harness: against Parley, then against a bare `ws` broadcast server
 * (bench/realtime/bare-server.mjs), and every figure is printed as a ratio to that baseline:
 *  (a) room fan-out: groups of 10 and 100 members, every member connected on its own socket,
 *      every member sending (HTTP POST /v1/messages/send; the bare server: a frame): at a
 *      paced 200 sends/s, then closed loop (max);
 *  (b) one message at a time to a channel of 1,000 and 10,000 connected subscribers;
 *  (c) idle connections: server memory per connection at 10,000 and 50,000.
 * Each part starts a fresh server (same database). Results: Markdown on stdout, JSON under
 * bench/results/. Children and the scratch database are removed even on failure or Ctrl-C.
 */
import { fork, spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import WebSocket from 'ws'
import pg from 'pg'
import { startServer, stopChild, freePort, type ServerHandle } from '../lib/server.js'
import { Api, mapLimit } from '../lib/api.js'
import { children, cleanupAll, installHandlers, onCleanup } from '../lib/cleanup.js'
import { snapshot, cpuBetween, machineBusyOver, type CpuUse } from '../lib/cpu.js'
import { machineInfo, PG_SETTINGS, type Machine } from '../lib/machine.js'
import { Hist, absNow, collectGarbage, mark, openFilesLimit, rssBytes, sleep, type LatencySummary } from './lib.js'
import { createDatabase } from '../lib/scratch-db.js'
import { readFlags } from '../lib/options.js'
import type { ChannelResult, Command, ConnSpec, ConnectResult, LoadResult } from './loadgen.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const log = (s: string) => process.stderr.write(s + '\n')

// ---------------------------------------------------------------------------------------------
// Options

type Part = 'room' | 'channel' | 'idle'
/** `before`: Parley built from --compare-root, run against the same scenario as `parley` (this tree or --server-root). */
type Kind = 'parley' | 'bare' | 'before'

interface Options {
  smoke: boolean
  parts: Part[]
  rooms: number[]
  pacedRate: number
  duration: number
  warmup: number
  channels: number[]
  channelMessages: number
  /** Distinct users among channel subscribers; more connections reuse them (several devices each). */
  channelUsers: number
  idle: number[]
  perLoadgen: number
  contentLength: number
  pgUrl: string
  server: 'dist' | 'tsx'
  build: boolean
  outDir: string
  serverNodeArgs?: string
  /** Where Parley is built and run from (default: this checkout). */
  serverRoot: string
  /** Another tree (e.g. a worktree of an older commit) whose Parley the room part also runs, interleaved. */
  compareRoot?: string
  /** With compareRoot: rounds of (before, after) per room size, alternating which goes first. */
  compareRounds: number
}

const HELP = `Parley real-time benchmark (issue 3): room fan-out, channel fan-out, idle connections,
each against Parley (PostgreSQL) and a bare ws broadcast server.

  npm run bench:realtime [-- options]

Options (flag, environment variable, default; --smoke: seconds-long, small sizes):
  --smoke                                    rooms 10,100 for 1 s; channels 100,500 × 3 messages; idle 500,2000
  --only=LIST          BENCH_RT_ONLY         room,channel,idle
  --rooms=LIST         BENCH_RT_ROOMS        10,100     members per room
  --paced-rate=N       BENCH_RT_PACED_RATE   200        sends/s of the open-loop point
  --duration=S         BENCH_RT_DURATION     10         seconds measured per room point
  --warmup=S           BENCH_RT_WARMUP       2
  --channels=LIST      BENCH_RT_CHANNELS     1000,10000 connected subscribers
  --channel-messages=N BENCH_RT_CHANNEL_MESSAGES 20   messages measured per channel (after 2 warm-up)
  --channel-users=N    BENCH_RT_CHANNEL_USERS 1000      distinct subscriber users; past that, users connect
                                             several devices (each connection its own session)
  --idle=LIST          BENCH_RT_IDLE         10000,50000 idle connections
  --per-loadgen=N      BENCH_RT_PER_LOADGEN  12500      most connections per load-generator process
  --content-length=N   BENCH_RT_CONTENT_LENGTH 64
  --pg-url=URL         BENCH_PG_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres
  --server=dist|tsx    BENCH_SERVER          dist
  --no-build           BENCH_NO_BUILD=1
  --server-root=DIR    BENCH_RT_SERVER_ROOT  this checkout   build and run Parley from another tree (e.g. a
                                             \`git archive HEAD\` export while the working tree is mid-edit)
  --compare-root=DIR   BENCH_RT_COMPARE_ROOT —              also build and run Parley from DIR (e.g. a git worktree
                                             of an older commit) in the room part, interleaved with this
                                             tree's: before/after deliveries side by side in one run
  --compare-rounds=N   BENCH_RT_COMPARE_ROUNDS 2             rounds of before+after per room size (order alternates)
  --server-node-args=ARGS BENCH_SERVER_NODE_ARGS  e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (Parley only)
  --out=DIR            BENCH_OUT             bench/results
PARLEY_* variables are passed to the server (PARLEY_WS_IDLE_TIMEOUT_MS defaults to 1800000 here).
`

function parseOptions(argv: string[], env = process.env): Options | 'help' {
  const flags = readFlags(argv)
  if (flags === 'help') return 'help'
  const known = ['smoke', 'only', 'rooms', 'paced-rate', 'duration', 'warmup', 'channels', 'channel-messages', 'channel-users', 'idle', 'per-loadgen', 'content-length', 'pg-url', 'server', 'no-build', 'server-node-args', 'out', 'server-root', 'compare-root', 'compare-rounds']
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (see --help)`)
  const smoke = flags.has('smoke') || env.BENCH_SMOKE === '1'
  const get = (f: string, shared = false) => flags.get(f) ?? env[(shared ? 'BENCH_' : 'BENCH_RT_') + f.toUpperCase().replace(/-/g, '_')] ?? undefined
  const num = (f: string, d: number, min: number) => {
    const raw = get(f)
    if (raw === undefined || raw === '') return d
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min) throw new Error(`--${f} must be a number ≥ ${min}`)
    return n
  }
  const list = (f: string, d: number[]) => {
    const raw = get(f)
    if (raw === undefined || raw === '') return d
    const l = raw.split(',').map(Number)
    if (l.some((n) => !Number.isInteger(n) || n < 2)) throw new Error(`--${f} must be a list of integers ≥ 2`)
    return l
  }
  const only = (get('only') ?? 'room,channel,idle').split(',').map((s) => s.trim()) as Part[]
  for (const p of only) if (!['room', 'channel', 'idle'].includes(p)) throw new Error(`--only: ${p} is not one of room, channel, idle`)
  const server = (flags.get('server') ?? env.BENCH_SERVER ?? 'dist') as 'dist' | 'tsx'
  if (server !== 'dist' && server !== 'tsx') throw new Error('--server must be dist or tsx')
  return {
    smoke,
    parts: only,
    rooms: list('rooms', [10, 100]),
    pacedRate: num('paced-rate', 200, 1),
    duration: num('duration', smoke ? 1 : 10, 0.2),
    warmup: num('warmup', smoke ? 0.5 : 2, 0),
    channels: list('channels', smoke ? [100, 500] : [1000, 10_000]),
    channelMessages: num('channel-messages', smoke ? 3 : 20, 1),
    channelUsers: num('channel-users', 1000, 1),
    idle: list('idle', smoke ? [500, 2000] : [10_000, 50_000]),
    perLoadgen: num('per-loadgen', 12_500, 100),
    contentLength: num('content-length', 64, 40),
    pgUrl: flags.get('pg-url') ?? env.BENCH_PG_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    server,
    build: !(flags.has('no-build') || env.BENCH_NO_BUILD === '1'),
    outDir: flags.get('out') ?? env.BENCH_OUT ?? 'bench/results',
    serverNodeArgs: flags.get('server-node-args') ?? env.BENCH_SERVER_NODE_ARGS,
    serverRoot: resolve(get('server-root') ?? ROOT),
    compareRoot: get('compare-root') ? resolve(get('compare-root')!) : undefined,
    compareRounds: num('compare-rounds', 2, 1),
  }
}

// ---------------------------------------------------------------------------------------------
// Processes: Parley, the bare server, load generators

interface Target {
  kind: Kind
  pid: number
  httpUrl: string
  wsBase: string
  inspectPort?: number
  stop(): Promise<void>
}

interface Ctx {
  opts: Options
  databaseUrl: string
  dataDir: string
  serverKey: string
  serverEnv: Record<string, string>
}

async function startParley(ctx: Ctx, inspect = false, root = ctx.opts.serverRoot, kind: Kind = 'parley'): Promise<Target> {
  const inspectPort = inspect ? await freePort() : undefined
  const nodeArgs = [...(ctx.opts.serverNodeArgs?.split(/\s+/).filter(Boolean) ?? []), ...(inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : [])]
  const s: ServerHandle = await startServer({ root, mode: ctx.opts.server, dataDir: ctx.dataDir, serverKey: ctx.serverKey, databaseUrl: ctx.databaseUrl, env: ctx.serverEnv, nodeArgs })
  return { kind, pid: s.pid, httpUrl: s.url, wsBase: s.url.replace(/^http/, 'ws'), inspectPort, stop: () => s.stop() }
}

async function startBare(inspect = false): Promise<Target> {
  const port = await freePort()
  const inspectPort = inspect ? await freePort() : undefined
  const child = spawn(process.execPath, [...(inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : []), 'bench/realtime/bare-server.mjs', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error('the bare server did not start in 30 s')), 30_000)
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('bare ws listening')) {
        clearTimeout(timer)
        res()
      }
    })
    child.stderr!.on('data', (c: Buffer) => {
      if (!c.toString().includes('Debugger') && !c.toString().includes('For help')) process.stderr.write(`[bare] ${c}`)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      rej(new Error(`the bare server exited (code ${code})`))
    })
  })
  return { kind: 'bare', pid: child.pid!, httpUrl: `http://127.0.0.1:${port}`, wsBase: `ws://127.0.0.1:${port}`, inspectPort, stop: () => stopChild(child) }
}

let nextAddress = 2
/** Each load generator connects from a fresh loopback source address (ports and TIME_WAIT are per address). */
function freshAddress(): string {
  if (nextAddress > 254) nextAddress = 2
  return `127.0.0.${nextAddress++}`
}

class LoadGen {
  readonly child: ChildProcess
  readonly address = freshAddress()
  private waiting = new Map<string, { resolve(v: any): void; reject(e: Error): void; timer: NodeJS.Timeout }>()
  onGot?: (k: number) => void

  constructor() {
    this.child = fork(join(ROOT, 'bench/realtime/loadgen.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx', '--max-old-space-size=2048'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    children.add(this.child)
    this.child.on('message', (m: { re?: string; result?: unknown; error?: string; event?: string; k?: number }) => {
      if (m.event === 'got') return this.onGot?.(m.k!)
      const w = this.waiting.get(m.re!)
      if (!w) return
      this.waiting.delete(m.re!)
      clearTimeout(w.timer)
      if (m.error) w.reject(new Error(`load generator: ${m.error}`))
      else w.resolve(m.result)
    })
    this.child.on('exit', (code, signal) => {
      children.delete(this.child)
      for (const [, w] of this.waiting) {
        clearTimeout(w.timer)
        w.reject(new Error(`a load generator exited (code ${code}, signal ${signal})`))
      }
      this.waiting.clear()
    })
  }

  get pid(): number {
    return this.child.pid!
  }

  request<T>(cmd: Command, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(cmd.cmd)
        reject(new Error(`load generator: ${cmd.cmd} overran ${Math.round(timeoutMs / 1000)} s`))
      }, timeoutMs)
      this.waiting.set(cmd.cmd, { resolve: resolvePromise, reject, timer })
      this.child.send(cmd)
    })
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    await this.request({ cmd: 'close' }, 15_000).catch(() => undefined)
    await stopChild(this.child)
  }
}

async function withLoadgens<T>(n: number, fn: (lgs: LoadGen[]) => Promise<T>): Promise<T> {
  const lgs = Array.from({ length: n }, () => new LoadGen())
  try {
    return await fn(lgs)
  } finally {
    await Promise.all(lgs.map((l) => l.close()))
  }
}

/** Splits connection specs over the load generators (round robin) and connects them all. */
async function connectAll(lgs: LoadGen[], target: Target, specs: ConnSpec[], timeoutMs: number, concurrency = 100) {
  const per = lgs.map(() => [] as ConnSpec[])
  specs.forEach((s, i) => per[i % lgs.length].push(s))
  const t0 = performance.now()
  const results = await Promise.all(
    lgs.map((l, i) => l.request<ConnectResult>({ cmd: 'connect', kind: target.kind === 'bare' ? 'bare' : 'parley', wsBase: target.wsBase, conns: per[i], localAddress: l.address, concurrency, timeoutMs }, timeoutMs + 30_000)),
  )
  const ready = results.reduce((a, r) => a + r.ready, 0)
  const failed = results.reduce((a, r) => a + r.failed, 0)
  return { ready, failed, seconds: (performance.now() - t0) / 1000, framesDuringConnect: results.reduce((a, r) => a + r.framesDuringConnect, 0), errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 5), per }
}

async function quietAll(lgs: LoadGen[], quietMs: number, timeoutMs: number) {
  const r = await Promise.all(lgs.map((l) => l.request<{ frames: number; seconds: number; settled: boolean }>({ cmd: 'quiet', quietMs, timeoutMs }, timeoutMs + 10_000)))
  return { frames: r.reduce((a, x) => a + x.frames, 0), seconds: Math.max(...r.map((x) => x.seconds)), settled: r.every((x) => x.settled) }
}

/** CPU use between two absolute times (the measured window), sampled from /proc. */
function cpuOver(fromAbs: number, toAbs: number, pids: Record<string, number>): Promise<CpuUse | undefined> {
  return new Promise((res) => {
    setTimeout(() => {
      const a = snapshot(pids)
      setTimeout(() => res(cpuBetween(a, snapshot(pids))), Math.max(0, toAbs - absNow()))
    }, Math.max(0, fromAbs - absNow()))
  })
}

const pidsOf = (t: Target, lgs: LoadGen[]) => Object.fromEntries([['server', t.pid], ...lgs.map((l, i) => [`loadgen${i}`, l.pid])]) as Record<string, number>

interface Cores {
  server: number
  loadgens: number
  postgres: number
  other: number
  machineBusy: number
}
function cores(c: CpuUse | undefined): Cores | undefined {
  if (!c) return undefined
  const lg = Object.entries(c.cores).filter(([k]) => k.startsWith('loadgen')).reduce((a, [, v]) => a + v, 0)
  return { server: c.cores.server ?? 0, loadgens: Math.round(lg * 100) / 100, postgres: c.cores.postgres ?? 0, other: c.otherCores, machineBusy: c.machineBusy }
}

// ---------------------------------------------------------------------------------------------
// Provisioning (through the API, with the server key)

interface User {
  id: string
  token: string
}
interface Provisioned {
  rooms: Map<number, { conversationId: string; members: User[] }>
  channelAdmin: User
  channelUsers: User[]
  channels: Map<number, string>
  idleUsers: User[]
  seconds: number
}

async function provision(api: Api, serverKey: string, opts: Options): Promise<Provisioned> {
  const t0 = performance.now()
  const ttlSeconds = 7 * 86_400
  const mkUsers = (ids: string[]) =>
    mapLimit(ids, 16, async (id) => {
      await api.call('/v1/users/upsert', serverKey, { id, name: id })
      const { token } = await api.call<{ token: string }>('/v1/auth/tokens/create', serverKey, { userId: id, ttlSeconds })
      return { id, token }
    })
  const rooms = new Map<number, { conversationId: string; members: User[] }>()
  if (opts.parts.includes('room')) {
    for (const m of opts.rooms) {
      const members = await mkUsers(Array.from({ length: m }, (_, i) => `rt_r${m}_${String(i).padStart(4, '0')}`))
      const body: Record<string, unknown> = { type: 'group', name: `room of ${m}`, members: members.slice(1).map((u) => u.id) }
      if (m > 100) body.settings = { maxMembers: m }
      const conv = await api.call<{ id: string }>('/v1/conversations/create', members[0].token, body)
      rooms.set(m, { conversationId: conv.id, members })
      log(`[provision] room of ${m}: ${conv.id}`)
    }
  }
  const channels = new Map<number, string>()
  let channelAdmin: User = { id: '', token: '' }
  let channelUsers: User[] = []
  if (opts.parts.includes('channel')) {
    const max = Math.min(Math.max(...opts.channels), opts.channelUsers)
    ;[channelAdmin] = await mkUsers(['rt_channel_admin'])
    const tu = performance.now()
    channelUsers = await mkUsers(Array.from({ length: max }, (_, i) => `rt_c_${String(i).padStart(6, '0')}`))
    log(`[provision] ${max} channel users in ${((performance.now() - tu) / 1000).toFixed(1)} s`)
    for (const n0 of opts.channels) {
      const n = Math.min(n0, channelUsers.length)
      const conv = await api.call<{ id: string }>('/v1/conversations/create', channelAdmin.token, { type: 'channel', name: `channel of ${n}`, settings: { maxMembers: n + 1 } })
      const ids = channelUsers.slice(0, n).map((u) => u.id)
      for (let i = 0; i < ids.length; i += 100) await api.call(`/v1/conversations/${conv.id}/members/add`, channelAdmin.token, { userIds: ids.slice(i, i + 100) })
      channels.set(n0, conv.id)
      log(`[provision] channel of ${n} users (for ${n0} connections): ${conv.id}`)
    }
  }
  let idleUsers: User[] = []
  if (opts.parts.includes('idle')) {
    const [owner] = await mkUsers(['rt_idle_owner'])
    idleUsers = await mkUsers(Array.from({ length: 100 }, (_, i) => `rt_i_${String(i).padStart(3, '0')}`))
    // Each idle user is in one group (with an owner who never connects): a realistic session, no presence fan-out.
    await mapLimit(idleUsers, 8, (u) => api.call('/v1/conversations/create', u.token, { type: 'group', name: `idle ${u.id}`, members: [owner.id] }))
  }
  return { rooms, channelAdmin, channelUsers, channels, idleUsers, seconds: (performance.now() - t0) / 1000 }
}

// ---------------------------------------------------------------------------------------------
// (a) Room fan-out

interface RoomPoint {
  mode: 'paced' | 'closed'
  targetRate?: number
  sendsPerSecond: number
  deliveriesPerSecond: number
  latency: LatencySummary
  ack?: LatencySummary
  httpErrors: number
  errorSamples: string[]
  stalls: number
  closes: Record<string, number>
  cores?: Cores
}
interface RoomResult {
  kind: Kind
  members: number
  connectSeconds: number
  points: RoomPoint[]
  error?: string
}

async function roomPart(ctx: Ctx, target: Target, members: number, prov: Provisioned): Promise<RoomResult> {
  const o = ctx.opts
  const room = prov.rooms.get(members)!
  const specs: ConnSpec[] = room.members.map((u, i) => (target.kind !== 'bare' ? { token: u.token, member: String(i) } : { room: `room${members}`, member: String(i) }))
  const L = 2
  return withLoadgens(L, async (lgs) => {
    const c = await connectAll(lgs, target, specs, 60_000, 50)
    if (c.ready !== members) throw new Error(`only ${c.ready} of ${members} members connected: ${c.errorSamples.join(' | ')}`)
    await quietAll(lgs, 300, 30_000)
    const result: RoomResult = { kind: target.kind, members, connectSeconds: c.seconds, points: [] }
    for (const mode of ['paced', 'closed'] as const) {
      const fromAbs = absNow() + 300 + o.warmup * 1000
      const toAbs = fromAbs + o.duration * 1000
      const cpu = cpuOver(fromAbs, toAbs, pidsOf(target, lgs))
      const rs = await Promise.all(
        lgs.map((l, i) =>
          l.request<LoadResult>(
            { cmd: 'load', mode, httpUrl: target.httpUrl, conversationId: room.conversationId, senders: c.per[i].map((_, j) => j), rate: o.pacedRate / L, fromAbs, toAbs, contentLength: o.contentLength },
            (toAbs - absNow()) + 60_000,
          ),
        ),
      )
      const lat = Hist.merge(rs.map((r) => r.latency))
      const ack = Hist.merge(rs.map((r) => r.ack))
      const closes: Record<string, number> = {}
      for (const r of rs) for (const [k, v] of Object.entries(r.closes)) closes[k] = (closes[k] ?? 0) + v
      const p: RoomPoint = {
        mode,
        targetRate: mode === 'paced' ? o.pacedRate : undefined,
        sendsPerSecond: Math.round(rs.reduce((a, r) => a + r.sendsInWindow, 0) / o.duration),
        deliveriesPerSecond: Math.round(rs.reduce((a, r) => a + r.deliveriesInWindow, 0) / o.duration),
        latency: lat.summary(),
        ack: target.kind !== 'bare' ? ack.summary() : undefined,
        httpErrors: rs.reduce((a, r) => a + r.httpErrors, 0),
        errorSamples: rs.flatMap((r) => r.errorSamples).slice(0, 5),
        stalls: rs.reduce((a, r) => a + r.stalls, 0),
        closes,
        cores: cores(await cpu),
      }
      result.points.push(p)
      log(
        `[room ${members} ${target.kind}] ${mode}${mode === 'paced' ? ` ${o.pacedRate}/s` : ''}: ${p.sendsPerSecond} sends/s, ${p.deliveriesPerSecond} deliveries/s, ` +
          `p50 ${p.latency.p50Ms} ms p99 ${p.latency.p99Ms} ms` +
          (p.cores ? `, cores server ${p.cores.server} loadgens ${p.cores.loadgens} postgres ${p.cores.postgres} other ${p.cores.other}` : '') +
          (p.httpErrors ? `, ${p.httpErrors} errors: ${p.errorSamples[0]}` : '') +
          (Object.keys(closes).length ? `, closes ${JSON.stringify(closes)}` : ''),
      )
      await sleep(500)
    }
    return result
  })
}

// ---------------------------------------------------------------------------------------------
// (b) Channel fan-out, one message at a time

interface ChannelPoint {
  kind: Kind
  subscribers: number
  connected: number
  connectSeconds: number
  framesDuringConnect: number
  settleSeconds: number
  settleFrames: number
  messages: number
  /** Σ deliveries ÷ Σ (send → last subscriber has it). */
  deliveriesPerSecond: number
  /** Σ deliveries ÷ Σ (first → last subscriber has it): the fan-out alone. */
  fanoutPerSecond: number
  toLast: LatencySummary
  toFirst: LatencySummary
  perDelivery: LatencySummary
  missing: number
  closes: Record<string, number>
  cores?: Cores
  error?: string
}

async function channelPart(ctx: Ctx, target: Target, n: number, prov: Provisioned, api: Api | undefined): Promise<ChannelPoint> {
  const o = ctx.opts
  const warm = 2
  const total = warm + o.channelMessages
  const users = prov.channelUsers.slice(0, Math.min(n, prov.channelUsers.length))
  const specs: ConnSpec[] = Array.from({ length: n }, (_, i) => (target.kind !== 'bare' ? { token: users[i % users.length].token, member: `u${i}` } : { room: 'channel', member: `u${i}` }))
  const L = Math.max(2, Math.min(4, Math.ceil(n / 500)))
  return withLoadgens(L, async (lgs) => {
    const c = await connectAll(lgs, target, specs, 300_000, 100)
    log(`[channel ${n} ${target.kind}] ${c.ready} connected in ${c.seconds.toFixed(1)} s (${c.framesDuringConnect} frames received while connecting)${c.failed ? `, ${c.failed} failed: ${c.errorSamples[0]}` : ''}`)
    const q = await quietAll(lgs, 1000, 180_000)
    log(`[channel ${n} ${target.kind}] quiet after ${q.seconds.toFixed(1)} s more (${q.frames} more frames)${q.settled ? '' : ' — NOT SETTLED'}`)
    const point: ChannelPoint = {
      kind: target.kind, subscribers: n, connected: c.ready, connectSeconds: c.seconds, framesDuringConnect: c.framesDuringConnect, settleSeconds: q.seconds, settleFrames: q.frames,
      messages: o.channelMessages, deliveriesPerSecond: 0, fanoutPerSecond: 0, toLast: Hist.merge([]).summary(), toFirst: Hist.merge([]).summary(), perDelivery: Hist.merge([]).summary(), missing: 0, closes: {},
    }
    if (c.ready === 0) throw new Error(`no subscriber connected: ${c.errorSamples.join(' | ')}`)
    await Promise.all(lgs.map((l) => l.request({ cmd: 'channel', messages: total, warm }, 10_000)))
    // The trigger of the bare server: one more client of the room.
    let trigger: WebSocket | undefined
    if (target.kind === 'bare') {
      trigger = new WebSocket(`${target.wsBase}/channel`, { perMessageDeflate: false })
      await new Promise((r, j) => (trigger!.once('open', r), trigger!.once('error', j)))
    }
    const sentAt: number[] = []
    const got = new Map<number, number>()
    let wake: (() => void) | undefined
    for (const l of lgs)
      l.onGot = (k) => {
        got.set(k, (got.get(k) ?? 0) + 1)
        wake?.()
      }
    const cpuStart = snapshot(pidsOf(target, lgs))
    let cpuEnd = cpuStart
    try {
      for (let k = 0; k < total; k++) {
        if (k === warm) Object.assign(cpuStart, snapshot(pidsOf(target, lgs)))
        const t = absNow()
        sentAt[k] = t
        const content = mark(t, 'c', k, o.contentLength)
        if (target.kind !== 'bare') await api!.call('/v1/messages/send', prov.channelAdmin.token, { conversationId: prov.channels.get(n)!, content })
        else trigger!.send(content)
        const deadline = performance.now() + 30_000
        while ((got.get(k) ?? 0) < lgs.length && performance.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 200)))
        if (k === total - 1) cpuEnd = snapshot(pidsOf(target, lgs))
        await sleep(100)
      }
    } finally {
      trigger?.terminate()
    }
    point.cores = cores(cpuBetween(cpuStart, cpuEnd))
    const rs = await Promise.all(lgs.map((l) => l.request<ChannelResult>({ cmd: 'channel-end' }, 10_000)))
    const toLast = new Hist()
    const toFirst = new Hist()
    let delivered = 0
    let sumToLast = 0
    let sumSpread = 0
    for (let k = warm; k < total; k++) {
      const count = rs.reduce((a, r) => a + r.count[k], 0)
      const last = Math.max(...rs.map((r) => r.last[k]))
      const first = Math.min(...rs.map((r) => r.first[k] || Infinity))
      point.missing += c.ready - count
      if (!count) continue
      delivered += count
      toLast.add(last - sentAt[k])
      toFirst.add(first - sentAt[k])
      sumToLast += last - sentAt[k]
      sumSpread += last - first
    }
    for (const r of rs) for (const [k, v] of Object.entries(r.closes)) point.closes[k] = (point.closes[k] ?? 0) + v
    point.deliveriesPerSecond = Math.round(delivered / (sumToLast / 1000))
    point.fanoutPerSecond = sumSpread > 0 ? Math.round(delivered / (sumSpread / 1000)) : NaN
    point.toLast = toLast.summary()
    point.toFirst = toFirst.summary()
    point.perDelivery = Hist.merge(rs.map((r) => r.latency)).summary()
    log(
      `[channel ${n} ${target.kind}] ${o.channelMessages} messages: ${point.deliveriesPerSecond} deliveries/s (fan-out alone ${point.fanoutPerSecond}/s), ` +
        `until the last subscriber p50 ${point.toLast.p50Ms} ms p99 ${point.toLast.p99Ms} ms` +
        (point.missing ? `, ${point.missing} deliveries missing` : '') +
        (point.cores ? `, cores server ${point.cores.server} loadgens ${point.cores.loadgens} postgres ${point.cores.postgres}` : ''),
    )
    return point
  })
}

// ---------------------------------------------------------------------------------------------
// (c) Idle connections

interface IdleLevel {
  connections: number
  connected: number
  connectSeconds: number
  rssBytes: number
  heapUsedBytes?: number
  bytesPerConnection: number
  heapBytesPerConnection?: number
  failed: number
  errorSamples: string[]
}
interface IdleResult {
  kind: Kind
  baselineRssBytes: number
  baselineHeapBytes?: number
  gc: boolean
  levels: IdleLevel[]
  closes: Record<string, number>
}

async function idlePart(ctx: Ctx, target: Target, levels: number[], prov: Provisioned): Promise<IdleResult> {
  const o = ctx.opts
  const spec = (i: number): ConnSpec => (target.kind !== 'bare' ? { token: prov.idleUsers[i % prov.idleUsers.length].token, member: `i${i}` } : { room: 'idle', member: `i${i}` })
  // Warm-up: the first connections load code and grow pools once; not per-connection memory.
  await withLoadgens(1, async ([l]) => {
    await connectAll([l], target, Array.from({ length: 200 }, (_, i) => spec(i)), 60_000)
  })
  await sleep(2000)
  const gc0 = target.inspectPort ? await collectGarbage(target.inspectPort) : undefined
  await sleep(500)
  const result: IdleResult = { kind: target.kind, baselineRssBytes: rssBytes(target.pid), baselineHeapBytes: gc0?.heapUsed, gc: Boolean(gc0), levels: [], closes: {} }
  log(`[idle ${target.kind}] baseline RSS ${(result.baselineRssBytes / 2 ** 20).toFixed(1)} MiB${gc0 ? `, heap ${(gc0.heapUsed / 2 ** 20).toFixed(1)} MiB after GC` : ' (no GC)'}`)
  const lgs: LoadGen[] = []
  try {
    let have = 0
    for (const level of levels) {
      const t0 = performance.now()
      // New load generators for the increment, at most perLoadgen connections each.
      const add = level - have
      const n = Math.ceil(add / o.perLoadgen)
      const fresh = Array.from({ length: n }, () => new LoadGen())
      lgs.push(...fresh)
      const c = await connectAll(fresh, target, Array.from({ length: add }, (_, i) => spec(have + i)), 900_000, 200)
      have = level
      await quietAll(lgs, 500, 60_000)
      await sleep(2000)
      const gc = target.inspectPort ? await collectGarbage(target.inspectPort) : undefined
      await sleep(500)
      const rss = rssBytes(target.pid)
      const connected = (result.levels.at(-1)?.connected ?? 0) + c.ready
      const lv: IdleLevel = {
        connections: level,
        connected,
        connectSeconds: (performance.now() - t0) / 1000,
        rssBytes: rss,
        heapUsedBytes: gc?.heapUsed,
        bytesPerConnection: Math.round((rss - result.baselineRssBytes) / connected),
        heapBytesPerConnection: gc && gc0 ? Math.round((gc.heapUsed - gc0.heapUsed) / connected) : undefined,
        failed: c.failed,
        errorSamples: c.errorSamples,
      }
      result.levels.push(lv)
      log(
        `[idle ${target.kind}] ${connected} of ${level} connected (+${c.ready} in ${c.seconds.toFixed(1)} s): RSS ${(rss / 2 ** 20).toFixed(1)} MiB, ` +
          `${(lv.bytesPerConnection / 1024).toFixed(2)} KiB per connection` +
          (lv.heapBytesPerConnection !== undefined ? ` (V8 heap ${(lv.heapBytesPerConnection / 1024).toFixed(2)} KiB)` : '') +
          (c.failed ? `; ${c.failed} failed: ${c.errorSamples[0]}` : ''),
      )
      if (connected < level * 0.9) break
    }
  } finally {
    await Promise.all(lgs.map((l) => l.close()))
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// Report

interface Result {
  startedAt: string
  finishedAt?: string
  command: string
  smoke: boolean
  options: Options
  serverEnv: Record<string, string>
  machine: Machine & { openFilesLimit: number }
  provisionSeconds?: number
  room: RoomResult[]
  channel: ChannelPoint[]
  idle: IdleResult[]
  notes: string[]
  errors: string[]
}

const n0 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : Math.round(x).toLocaleString('en-US'))
const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US'))
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '—' : (a / b).toFixed(2))
const kib = (b: number | undefined) => (b === undefined || !Number.isFinite(b) ? '—' : (b / 1024).toFixed(2))

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |'
  return [line(head), '|' + w.map((x, i) => (i === 0 ? ':' + '-'.repeat(x + 1) : '-'.repeat(x + 1) + ':')).join('|') + '|', ...rows.map(line)].join('\n')
}

/** Room fan-out before and after, each round's figure and their mean, side by side. */
function renderComparison(r: Result): string[] {
  const rows: string[][] = []
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN)
  for (const size of [...new Set(r.room.map((x) => x.members))]) {
    for (const mode of ['paced', 'closed'] as const) {
      const of = (kind: Kind) => r.room.filter((x) => x.members === size && x.kind === kind).map((x) => x.points.find((p) => p.mode === mode)).filter((p): p is RoomPoint => !!p)
      const before = of('before')
      const after = of('parley')
      const d = (ps: RoomPoint[]) => ps.map((p) => n0(p.deliveriesPerSecond)).join(' / ')
      const bm = mean(before.map((p) => p.deliveriesPerSecond))
      const am = mean(after.map((p) => p.deliveriesPerSecond))
      rows.push([
        `${size} members, ${mode === 'paced' ? `paced ${r.options.pacedRate}/s` : 'max (closed loop)'}`,
        d(before), n0(bm), d(after), n0(am), ratio(am, bm),
        ms(mean(before.map((p) => p.latency.p99Ms))), ms(mean(after.map((p) => p.latency.p99Ms))),
        ms(mean(before.map((p) => p.cores?.server ?? NaN))), ms(mean(after.map((p) => p.cores?.server ?? NaN))),
      ])
    }
  }
  return [
    `### (a′) Room fan-out before and after (same scenario, interleaved; "before" from ${r.options.compareRoot})`,
    '',
    table(['point', 'before deliveries/s (each round)', 'before mean', 'after deliveries/s (each round)', 'after mean', 'after ÷ before', 'before p99 ms', 'after p99 ms', 'before server cores', 'after server cores'], rows),
    '',
  ]
}

function render(r: Result): string {
  const m = r.machine
  const out: string[] = [
    '',
    `## Parley real-time benchmark${r.smoke ? ' (SMOKE RUN: seconds-long points, small sizes — not representative)' : ''}`,
    '',
    `- machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres ?? '?'}; open files limit ${m.openFilesLimit}`,
  ]
  if (m.gitCommit) out.push(`- Parley at ${m.gitCommit}${m.gitDirty ? ' (src/ has uncommitted changes)' : ''}`)
  if (m.busyBeforeRun !== undefined) out.push(`- machine busy before the run (1 s sample): ${Math.round(m.busyBeforeRun * 100)} %${m.busyBeforeRun > 0.1 ? ' — NOT QUIET: figures are disturbed by other work' : ''}`)
  out.push(`- server environment: ${Object.entries(r.serverEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`, `- command: \`${r.command}\``, `- started ${r.startedAt}`, '')
  for (const n of r.notes) out.push(`- ${n}`)
  if (r.notes.length) out.push('')

  if (r.room.length) {
    out.push(
      `### (a) Room fan-out (every member on its own socket; Parley sends: HTTP POST /v1/messages/send; bare: a frame over the sender's socket; latency at every receiver but the sender, send → receive)`,
      '',
    )
    const rows: string[][] = []
    const sizes = [...new Set(r.room.map((x) => x.members))]
    for (const size of sizes) {
      const p = r.room.find((x) => x.members === size && x.kind === 'parley')
      const b = r.room.find((x) => x.members === size && x.kind === 'bare')
      for (const mode of ['paced', 'closed'] as const) {
        const pp = p?.points.find((x) => x.mode === mode)
        const bp = b?.points.find((x) => x.mode === mode)
        rows.push([
          `${size} members, ${mode === 'paced' ? `paced ${r.options.pacedRate}/s` : 'max (closed loop)'}`,
          n0(pp?.sendsPerSecond), n0(pp?.deliveriesPerSecond), ms(pp?.latency.p50Ms), ms(pp?.latency.p99Ms), ms(pp?.ack?.p99Ms),
          n0(bp?.sendsPerSecond), n0(bp?.deliveriesPerSecond), ms(bp?.latency.p50Ms), ms(bp?.latency.p99Ms),
          ratio(pp?.deliveriesPerSecond, bp?.deliveriesPerSecond), ratio(pp?.latency.p99Ms, bp?.latency.p99Ms),
          pp?.cores ? `${pp.cores.server} / ${pp.cores.postgres} / ${pp.cores.loadgens} / ${pp.cores.other}` : '—',
          String((pp?.httpErrors ?? 0) + (pp?.stalls ?? 0)) + (pp && Object.keys(pp.closes).length ? ` closes ${JSON.stringify(pp.closes)}` : ''),
        ])
      }
    }
    out.push(
      table(
        ['point', 'Parley sends/s', 'deliveries/s', 'p50 ms', 'p99 ms', 'send 201 p99 ms', 'bare sends/s', 'bare deliveries/s', 'bare p50 ms', 'bare p99 ms', 'deliveries ÷ bare', 'p99 ÷ bare', 'cores server / postgres / loadgens / other', 'errors'],
        rows,
      ),
      '',
    )
  }
  if (r.room.some((x) => x.kind === 'before')) out.push(...renderComparison(r))
  if (r.channel.length) {
    out.push(`### (b) One message at a time to a channel (${r.options.channelMessages} messages after 2 warm-up; "until last" = send → the last subscriber has it)`, '')
    const rows: string[][] = []
    for (const n of [...new Set(r.channel.map((x) => x.subscribers))]) {
      const p = r.channel.find((x) => x.subscribers === n && x.kind === 'parley')
      const b = r.channel.find((x) => x.subscribers === n && x.kind === 'bare')
      rows.push([
        `${n0(n)} subscribers`, n0(p?.connected), n0(p?.deliveriesPerSecond), n0(p?.fanoutPerSecond), ms(p?.toLast.p50Ms), ms(p?.toLast.p99Ms), ms(p?.perDelivery.p99Ms),
        n0(b?.deliveriesPerSecond), ms(b?.toLast.p50Ms), ms(b?.toLast.p99Ms),
        ratio(p?.deliveriesPerSecond, b?.deliveriesPerSecond), ratio(p?.toLast.p99Ms, b?.toLast.p99Ms),
        p ? `${p.connectSeconds.toFixed(1)} s + ${p.settleSeconds.toFixed(1)} s, ${n0(p.framesDuringConnect + p.settleFrames)} frames` : '—',
        b ? `${b.connectSeconds.toFixed(1)} s` : '—',
        String(p?.missing ?? '—'),
      ])
    }
    out.push(
      table(['channel', 'connected', 'Parley deliveries/s', 'fan-out alone/s', 'until last p50 ms', 'until last p99 ms', 'per delivery p99 ms', 'bare deliveries/s', 'bare until last p50', 'bare until last p99', 'deliveries ÷ bare', 'until-last p99 ÷ bare', 'Parley connect + settle, frames received', 'bare connect', 'missing'], rows),
      '',
    )
  }
  if (r.idle.length) {
    out.push(`### (c) Idle connections: server memory (VmRSS growth over the baseline after a 200-connection warm-up${r.idle.every((x) => x.gc) ? ', each read after a full GC through the inspector' : ''})`, '')
    const p = r.idle.find((x) => x.kind === 'parley')
    const b = r.idle.find((x) => x.kind === 'bare')
    const levels = [...new Set([...(p?.levels ?? []), ...(b?.levels ?? [])].map((l) => l.connections))]
    out.push(
      table(
        ['connections', 'Parley connected', 'RSS MiB', 'KiB per connection', 'V8 heap KiB per conn', 'bare connected', 'bare RSS MiB', 'bare KiB per conn', 'Parley ÷ bare (memory)', 'Parley connect s'],
        levels.map((n) => {
          const pl = p?.levels.find((l) => l.connections === n)
          const bl = b?.levels.find((l) => l.connections === n)
          return [n0(n), n0(pl?.connected), pl ? (pl.rssBytes / 2 ** 20).toFixed(1) : '—', kib(pl?.bytesPerConnection), kib(pl?.heapBytesPerConnection), n0(bl?.connected), bl ? (bl.rssBytes / 2 ** 20).toFixed(1) : '—', kib(bl?.bytesPerConnection), ratio(pl?.bytesPerConnection, bl?.bytesPerConnection), pl ? pl.connectSeconds.toFixed(1) : '—']
        }),
      ),
      '',
      `Baseline RSS: Parley ${p ? (p.baselineRssBytes / 2 ** 20).toFixed(1) : '—'} MiB, bare ${b ? (b.baselineRssBytes / 2 ** 20).toFixed(1) : '—'} MiB.`,
      '',
    )
  }
  if (r.errors.length) out.push('Errors:', ...r.errors.map((e) => `- ${e}`), '')
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------

const redact = (s: string) => s.replace(/(\/\/[^:/@\s]+:)[^@\s]*@/g, '$1***@')

async function main() {
  let opts: Options
  try {
    const parsed = parseOptions(process.argv.slice(2))
    if (parsed === 'help') return void process.stdout.write(HELP)
    opts = parsed
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exitCode = 2
    return
  }
  installHandlers()
  const limit = openFilesLimit()
  const machine = { ...machineInfo(ROOT), openFilesLimit: limit }
  const serverEnv: Record<string, string> = { PARLEY_WS_IDLE_TIMEOUT_MS: '1800000' }
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('PARLEY_') && v !== undefined && k !== 'PARLEY_DATA_DIR' && k !== 'PARLEY_SERVER_KEY') serverEnv[k] = v
  const args = process.argv.slice(2)
  const result: Result = {
    startedAt: new Date().toISOString(),
    command: redact(['npm run bench:realtime', ...(args.length ? ['--', ...args] : [])].join(' ')),
    smoke: opts.smoke,
    options: { ...opts, pgUrl: redact(opts.pgUrl) },
    serverEnv: Object.fromEntries(Object.entries(serverEnv).map(([k, v]) => [k, /SECRET|KEY|PASSWORD|TOKEN/i.test(k) ? '***' : redact(v)])),
    machine,
    room: [],
    channel: [],
    idle: [],
    notes: [],
    errors: [],
  }
  // Every idle connection is a socket in the server and one in a load generator (same limit, inherited).
  const maxIdle = Math.max(0, ...opts.idle)
  if (opts.parts.includes('idle') && Number.isFinite(limit) && limit < maxIdle + 2000) {
    const capped = Math.max(1000, limit - 2000)
    result.notes.push(`the open-files limit is ${limit} (raise it with \`ulimit -n\`; npm run bench:realtime tries 200000): idle levels above ${capped} are capped to ${capped}`)
    opts.idle = [...new Set(opts.idle.map((n) => Math.min(n, capped)))]
  }
  if (opts.serverRoot !== resolve(ROOT)) {
    let commit = ''
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
    } catch {
      /* not a checkout */
    }
    result.notes.push(`Parley built and run from ${opts.serverRoot} (this checkout is at ${commit}); the bench itself runs from ${resolve(ROOT)}`)
  }
  if (opts.parts.includes('channel') && Math.max(...opts.channels) > opts.channelUsers) {
    result.notes.push(
      `channels: ${opts.channelUsers} distinct subscriber users; a channel of more connections has each user connected on several devices (${opts.channels.map((n) => `${n}: ${Math.ceil(n / Math.min(n, opts.channelUsers))} per user`).join(', ')}), each its own session. ` +
        `Reason: on connect, Parley announces presence to every connected session of every co-member (O(users² × devices) frames over a ramp); 10,000 distinct users would take ~50 M presence frames just to connect`,
    )
  }
  result.notes.push(
    `idle connections share 100 users (each in one group of 2 whose other member never connects): each connection is its own session; room and channel members are distinct users, one connection each`,
    `server PARLEY_WS_IDLE_TIMEOUT_MS=${serverEnv.PARLEY_WS_IDLE_TIMEOUT_MS}: silent receivers are not closed during the long ramps (receiving does not count as activity)`,
  )

  const pgc = new pg.Client({ connectionString: opts.pgUrl })
  try {
    await pgc.connect()
    const settings: Record<string, string> = {}
    for (const s of PG_SETTINGS) settings[s] = (await pgc.query(`SHOW ${s}`)).rows[0][s]
    machine.postgres = settings.server_version
    delete settings.server_version
    machine.postgresSettings = settings
  } finally {
    await pgc.end().catch(() => undefined)
  }
  if (opts.server === 'dist' && opts.build) {
    for (const root of [opts.serverRoot, ...(opts.compareRoot ? [opts.compareRoot] : [])]) {
      log(`building ${root} (npm run build)…`)
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
    }
  }
  if (opts.compareRoot) result.notes.push(`room part also run from ${opts.compareRoot} ("before"), interleaved with ${opts.serverRoot} ("after"), ${opts.compareRounds} rounds each`)
  machine.busyBeforeRun = await machineBusyOver(1000)
  if (machine.busyBeforeRun > 0.1) log(`warning: the machine is ${Math.round(machine.busyBeforeRun * 100)} % busy before the run; figures will be disturbed`)

  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-rt-'))
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }))
  try {
    const db = await createDatabase(opts.pgUrl, 'parley_bench_rt_')
    onCleanup(() => db.drop())
    log(`[postgres] scratch database ${db.name}`)
    const ctx: Ctx = { opts, databaseUrl: db.url, dataDir, serverKey: 'psk_bench_' + randomBytes(16).toString('hex'), serverEnv }

    let prov: Provisioned
    {
      const t = await startParley(ctx)
      const api = new Api(t.httpUrl)
      try {
        prov = await provision(api, ctx.serverKey, opts)
      } finally {
        await api.close().catch(() => undefined)
        await t.stop()
      }
      result.provisionSeconds = Math.round(prov.seconds * 10) / 10
      log(`[provision] done in ${result.provisionSeconds} s`)
    }

    /** A fresh server per part and kind; a failing part is recorded and the run goes on. */
    const part = async <T>(name: string, kind: Kind, fn: (t: Target, api: Api | undefined) => Promise<T>, inspect = false): Promise<T | undefined> => {
      let t: Target | undefined
      let api: Api | undefined
      try {
        t = kind === 'bare' ? await startBare(inspect) : await startParley(ctx, inspect, kind === 'before' ? ctx.opts.compareRoot : ctx.opts.serverRoot, kind)
        api = kind === 'bare' ? undefined : new Api(t.httpUrl)
        return await fn(t, api)
      } catch (err) {
        result.errors.push(`${name} (${kind}): ${(err as Error).message}`)
        log(`[${name} ${kind}] FAILED: ${(err as Error).stack ?? err}`)
        return undefined
      } finally {
        await api?.close().catch(() => undefined)
        await t?.stop()
      }
    }

    if (opts.parts.includes('room')) {
      for (const m of opts.rooms) {
        // With a tree to compare, before and after alternate (AB BA …) so that drift in the machine's load hits both alike.
        const kinds: Kind[] = opts.compareRoot
          ? [...Array.from({ length: opts.compareRounds }, (_, i) => (i % 2 ? (['parley', 'before'] as const) : (['before', 'parley'] as const))).flat(), 'bare']
          : ['parley', 'bare']
        for (const kind of kinds) {
          const r = await part(`room ${m}`, kind, (t) => roomPart(ctx, t, m, prov))
          if (r) result.room.push(r)
        }
      }
    }
    if (opts.parts.includes('channel')) {
      for (const n of opts.channels) {
        for (const kind of ['parley', 'bare'] as const) {
          const r = await part(`channel ${n}`, kind, (t, api) => channelPart(ctx, t, n, prov, api))
          if (r) result.channel.push(r)
        }
      }
    }
    if (opts.parts.includes('idle')) {
      for (const kind of ['parley', 'bare'] as const) {
        const r = await part('idle', kind, (t) => idlePart(ctx, t, opts.idle, prov), true)
        if (r) result.idle.push(r)
      }
    }
  } catch (err) {
    result.errors.push((err as Error).message)
    log(`FAILED: ${(err as Error).stack ?? err}`)
  } finally {
    await cleanupAll()
  }
  result.finishedAt = new Date().toISOString()
  const outDir = resolve(ROOT, opts.outDir)
  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, `${result.startedAt.replace(/[:.]/g, '-')}-realtime${opts.smoke ? '-smoke' : ''}.json`)
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n')
  process.stdout.write(render(result) + `\nJSON: ${file}\n`)
  if (result.errors.length) process.exitCode = 1
}

main().catch(async (err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`)
  await cleanupAll()
  process.exit(1)
})
