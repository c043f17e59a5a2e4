/**
 * A load-generator process of the real-time bench, forked by bench/realtime/run.ts and driven
 * over IPC, one command at a time (each answered with `{ re, ... }`):
 *  - connect:  opens its WebSocket connections (from its own 127.0.0.x source address), each
 *              ready once Parley's `session.ready` arrives (the bare server: once open);
 *  - quiet:    waits until no frame has arrived for a while (presence announcements settle);
 *  - load:     room fan-out: closed loop (each sender sends its next message once its previous
 *              one is acknowledged: HTTP 201 and its own copy back over its socket) or paced
 *              (open loop at a fixed rate); counts deliveries and sender→receiver latency at
 *              every receiver inside the measured window;
 *  - channel:  arms per-message tracking for one-message-at-a-time fan-out; tells the parent
 *              (`{ event: 'got', k }`) when every connection of this process has message k;
 *  - channel-end: the per-message arrival figures;
 *  - close.
 * Latency = receive time − the send time carried in the content (same machine clock).
 */
import WebSocket from 'ws'
import { Pool } from 'undici'
import { Hist, absNow, findMark, mark, sleep } from './lib.js'

export interface ConnSpec {
  /** Parley: the user's token. */
  token?: string
  /** Bare server: the room (path). */
  room?: string
  /** The sender id this connection's member signs its marks with. */
  member: string
}

export type Command =
  | { cmd: 'connect'; kind: 'parley' | 'bare'; wsBase: string; conns: ConnSpec[]; localAddress: string; concurrency: number; timeoutMs: number }
  | { cmd: 'quiet'; quietMs: number; timeoutMs: number }
  | {
      cmd: 'load'
      mode: 'closed' | 'paced'
      httpUrl?: string
      conversationId?: string
      /** Indices (into this process's connections) of the members who send. */
      senders: number[]
      /** Paced: sends per second from this process. */
      rate?: number
      fromAbs: number
      toAbs: number
      contentLength: number
    }
  | { cmd: 'channel'; messages: number; warm: number }
  | { cmd: 'channel-end' }
  | { cmd: 'close' }

export interface ConnectResult {
  ready: number
  failed: number
  errorSamples: string[]
  seconds: number
  framesDuringConnect: number
}

export interface LoadResult {
  sendsInWindow: number
  sendAttempts: number
  httpErrors: number
  errorSamples: string[]
  deliveriesInWindow: number
  latency: ReturnType<Hist['toJSON']>
  ack: ReturnType<Hist['toJSON']>
  stalls: number
  closes: Record<string, number>
  cpuSeconds: number
}

export interface ChannelResult {
  count: number[]
  first: number[]
  last: number[]
  latency: ReturnType<Hist['toJSON']>
  closes: Record<string, number>
}

interface Conn {
  ws: WebSocket
  spec: ConnSpec
  ready: boolean
  /** Closed-loop sender state. */
  k: number
  pending: number
  lastProgress: number
}

const conns: Conn[] = []
const closes: Record<string, number> = {}
let kind: 'parley' | 'bare' = 'parley'
let frames = 0
let lastFrameAt = absNow()

type Handler = (c: Conn, frame: string, now: number) => void
let onMarked: Handler | undefined

function onFrame(c: Conn, frame: string): void {
  const now = absNow()
  frames++
  lastFrameAt = now
  if (!onMarked) return
  if (frame.indexOf('RTB:') < 0) return
  onMarked(c, frame, now)
}

function open(spec: ConnSpec, wsBase: string, localAddress: string, timeoutMs: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const url = kind === 'parley' ? `${wsBase}/v1/ws?token=${encodeURIComponent(spec.token!)}` : `${wsBase}/${spec.room}`
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: timeoutMs, maxPayload: 64 * 1024 * 1024 })
    const c: Conn = { ws, spec, ready: false, k: 0, pending: 0, lastProgress: 0 }
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error('not ready in time'))
    }, timeoutMs)
    const ready = () => {
      clearTimeout(timer)
      c.ready = true
      resolve(c)
    }
    ws.on('message', (data) => {
      const s = data.toString()
      if (!c.ready) {
        if (s.includes('"type":"session.ready"')) ready()
        return
      }
      onFrame(c, s)
    })
    ws.on('open', () => {
      if (kind === 'bare') ready()
    })
    ws.on('error', (err) => {
      clearTimeout(timer)
      if (!c.ready) reject(err)
    })
    ws.on('close', (code) => {
      clearTimeout(timer)
      if (c.ready) closes[code] = (closes[code] ?? 0) + 1
      else reject(new Error(`closed ${code} before ready`))
    })
  })
}

async function connect(cmd: Extract<Command, { cmd: 'connect' }>): Promise<ConnectResult> {
  kind = cmd.kind
  const t0 = performance.now()
  const f0 = frames
  let next = 0
  let failed = 0
  const errorSamples: string[] = []
  const deadline = t0 + cmd.timeoutMs
  await Promise.all(
    Array.from({ length: Math.min(cmd.concurrency, cmd.conns.length) }, async () => {
      while (next < cmd.conns.length && performance.now() < deadline) {
        const spec = cmd.conns[next++]
        try {
          conns.push(await open(spec, cmd.wsBase, cmd.localAddress, Math.min(30_000, Math.max(1000, deadline - performance.now()))))
        } catch (err) {
          failed++
          if (errorSamples.length < 5) errorSamples.push((err as Error).message)
        }
      }
    }),
  )
  return { ready: conns.filter((c) => c.ready).length, failed, errorSamples, seconds: (performance.now() - t0) / 1000, framesDuringConnect: frames - f0 }
}

async function quiet(cmd: Extract<Command, { cmd: 'quiet' }>): Promise<{ frames: number; seconds: number; settled: boolean }> {
  const t0 = absNow()
  const f0 = frames
  while (absNow() - t0 < cmd.timeoutMs) {
    if (absNow() - lastFrameAt >= cmd.quietMs) return { frames: frames - f0, seconds: (absNow() - t0) / 1000, settled: true }
    await sleep(50)
  }
  return { frames: frames - f0, seconds: (absNow() - t0) / 1000, settled: false }
}

async function load(cmd: Extract<Command, { cmd: 'load' }>): Promise<LoadResult> {
  const latency = new Hist()
  const ack = new Hist()
  let deliveries = 0
  let sends = 0
  let attempts = 0
  let httpErrors = 0
  let stalls = 0
  const errorSamples: string[] = []
  let running = true
  const inWindow = (t: number) => t >= cmd.fromAbs && t <= cmd.toAbs
  const cpu0 = process.cpuUsage()
  const pool = kind === 'parley' ? new Pool(cmd.httpUrl!, { connections: Math.max(1, Math.min(cmd.senders.length, 64)), pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 }) : undefined

  /** One durable send over HTTP (Parley) or one frame (bare); `done` when acknowledged. */
  const fire = (c: Conn, t: number, k: number, done?: () => void) => {
    attempts++
    const content = mark(t, c.spec.member, k, cmd.contentLength)
    if (kind === 'bare') {
      c.ws.send(content)
      if (inWindow(t)) sends++
      return
    }
    const t0 = absNow()
    pool!
      .request({
        path: '/v1/messages/send',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${c.spec.token}` },
        body: JSON.stringify({ conversationId: cmd.conversationId, content }),
      })
      .then(async (res) => {
        if (res.statusCode === 201) {
          await res.body.dump()
          const t1 = absNow()
          if (inWindow(t1)) {
            sends++
            ack.add(t1 - t0)
          }
        } else {
          httpErrors++
          const text = await res.body.text()
          if (errorSamples.length < 5) errorSamples.push(`${res.statusCode} ${text.slice(0, 200)}`)
        }
      })
      .catch((err) => {
        httpErrors++
        if (errorSamples.length < 5) errorSamples.push((err as Error).message)
      })
      .finally(() => done?.())
  }

  const senders = cmd.senders.map((i) => conns[i]).filter((c) => c?.ready)
  const isSender = new Set(senders)

  // Closed loop: next send once the previous one is acknowledged (201) and its copy is back.
  const step = (c: Conn) => {
    if (--c.pending > 0) return
    c.lastProgress = absNow()
    if (running && absNow() < cmd.toAbs) sendNext(c)
  }
  const sendNext = (c: Conn) => {
    c.k++
    c.pending = kind === 'parley' ? 2 : 1
    fire(c, absNow(), c.k, kind === 'parley' ? () => step(c) : undefined)
  }

  onMarked = (c, frame, now) => {
    const m = findMark(frame)
    if (!m) return
    if (inWindow(now)) {
      deliveries++
      if (m.sender !== c.spec.member) latency.add(now - m.t)
    }
    if (cmd.mode === 'closed' && isSender.has(c) && m.sender === c.spec.member && m.k === c.k && c.pending > 0) {
      step(c)
    }
  }

  let watchdog: NodeJS.Timeout | undefined
  if (cmd.mode === 'closed') {
    for (const c of senders) sendNext(c)
    // A send whose copy never comes back (closed socket) would stall its sender: restart it.
    watchdog = setInterval(() => {
      const now = absNow()
      for (const c of senders) {
        if (c.pending > 0 && now - c.lastProgress > 5000 && c.ws.readyState === WebSocket.OPEN) {
          stalls++
          c.pending = 0
          c.lastProgress = now
          if (running && now < cmd.toAbs) sendNext(c)
        }
      }
    }, 1000)
  } else {
    // Open loop: sends at their scheduled times, round-robin over the senders; the mark carries
    // the scheduled time, so a late send counts its lateness (no coordinated omission).
    const interval = 1000 / cmd.rate!
    const start = absNow()
    let n = 0
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = absNow()
        while (start + n * interval <= now && start + n * interval < cmd.toAbs) {
          const c = senders[n % senders.length]
          fire(c, start + n * interval, ++c.k)
          n++
        }
        if (now >= cmd.toAbs || !running) return resolve()
        setTimeout(tick, Math.max(0, start + n * interval - absNow()))
      }
      tick()
    })
  }
  while (absNow() < cmd.toAbs) await sleep(Math.min(100, cmd.toAbs - absNow()))
  running = false
  clearInterval(watchdog)
  await sleep(1500)
  onMarked = undefined
  await pool?.close().catch(() => undefined)
  const d = process.cpuUsage(cpu0)
  return {
    sendsInWindow: sends,
    sendAttempts: attempts,
    httpErrors,
    errorSamples,
    deliveriesInWindow: deliveries,
    latency: latency.toJSON(),
    ack: ack.toJSON(),
    stalls,
    closes: { ...closes },
    cpuSeconds: (d.user + d.system) / 1e6,
  }
}

let channel: { count: Int32Array; first: Float64Array; last: Float64Array; latency: Hist } | undefined

function channelBegin(cmd: Extract<Command, { cmd: 'channel' }>): { ok: true } {
  const ch = { count: new Int32Array(cmd.messages), first: new Float64Array(cmd.messages).fill(Infinity), last: new Float64Array(cmd.messages).fill(0), latency: new Hist() }
  channel = ch
  const total = conns.filter((c) => c.ready).length
  onMarked = (_c, frame, now) => {
    const m = findMark(frame)
    if (!m || m.sender !== 'c' || !(m.k >= 0 && m.k < cmd.messages)) return
    const k = m.k
    ch.count[k]++
    if (now < ch.first[k]) ch.first[k] = now
    if (now > ch.last[k]) ch.last[k] = now
    if (k >= cmd.warm) ch.latency.add(now - m.t)
    if (ch.count[k] === total) process.send!({ event: 'got', k })
  }
  return { ok: true }
}

function channelEnd(): ChannelResult {
  const ch = channel!
  onMarked = undefined
  return { count: [...ch.count], first: [...ch.first].map((x) => (Number.isFinite(x) ? x : 0)), last: [...ch.last], latency: ch.latency.toJSON(), closes: { ...closes } }
}

process.on('message', async (m: Command) => {
  try {
    let result: unknown
    if (m.cmd === 'connect') result = await connect(m)
    else if (m.cmd === 'quiet') result = await quiet(m)
    else if (m.cmd === 'load') result = await load(m)
    else if (m.cmd === 'channel') result = channelBegin(m)
    else if (m.cmd === 'channel-end') result = channelEnd()
    else if (m.cmd === 'close') {
      for (const c of conns) c.ws.terminate()
      result = { closed: conns.length }
    }
    process.send!({ re: m.cmd, result })
    if (m.cmd === 'close') setTimeout(() => process.exit(0), 100)
  } catch (err) {
    process.send!({ re: m.cmd, error: (err as Error).stack ?? String(err) })
  }
})
process.on('disconnect', () => process.exit(0))
