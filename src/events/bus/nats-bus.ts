import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import type { Bus, BusHandler, BusLog } from './bus.js'
import { checkSubject, normalizePrefix } from './subjects.js'
import { natsServerOptions, parseNatsUrl, redactNatsUrl } from './nats-url.js'

export interface NatsBusOptions {
  /** NATS_URL: `nats://host:4222`, several comma separated, credentials allowed (nats-url.ts). */
  url: string
  log: BusLog
  /** Put before every subject on the wire, so several clusters can share one NATS. Default `parley.`. */
  prefix?: string
  /** Connection name shown by the NATS server's monitoring. */
  name?: string
  /** Publishes kept while disconnected, in UTF-8 bytes; past it they are dropped. Default 8 MiB. */
  maxBufferedBytes?: number
  /** First reconnect delay; doubles per failed attempt up to reconnectMaxMs, with jitter. Default 250 ms. */
  reconnectBaseMs?: number
  /** Default 5 s. */
  reconnectMaxMs?: number
  /** Initial connect (and each reconnect dial) gives up after this long. Default 5 s. */
  connectTimeoutMs?: number
  /** Client PING interval; a connection is declared dead after 2 unanswered. Default 10 s. */
  pingIntervalMs?: number
}

/** Local handlers sharing one NATS subscription (one per distinct pattern on this node). */
interface Route {
  sub: Subscription
  handlers: Set<LocalSub>
}

interface LocalSub {
  handler: BusHandler
  active: boolean
}

/**
 * The bus over core NATS, for many nodes. At-most-once: a node that is disconnected, or
 * crashes, misses messages; the event log fills the gap (docs/bus.md).
 *
 * - One NATS subscription per distinct pattern on this node, however many local handlers
 *   share it, so the server sends each message to a node once.
 * - Reconnects forever, with exponential backoff and jitter (reconnectBaseMs … reconnectMaxMs).
 *   The NATS client discards what is published while it is disconnected, so this bus keeps
 *   those publishes itself, up to maxBufferedBytes, and sends them in order on reconnect;
 *   past the bound it drops them, counts them and logs once per outage. `onReconnect`
 *   listeners then run so followers can re-read the log.
 * - Errors (transport, oversize payload, a throwing handler) are logged, never thrown to a
 *   publisher or a handler's caller.
 *
 * Use {@link NatsBus.connect}; it fails fast when NATS cannot be reached at start.
 */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const
  private readonly routes = new Map<string, Route>()
  private readonly reconnectListeners = new Set<() => void>()
  private readonly prefix: string
  private connected = true
  private closed = false
  private closing: Promise<void> | undefined
  /** Publishes made while disconnected, replayed on reconnect. */
  private buffer: Array<{ subject: string; payload: string }> = []
  private bufferedBytes = 0
  private droppedInOutage = 0
  private waiters: Array<() => void> = []
  private attempts = 0
  private delayFor = -1
  private delayMs = 0
  /** Messages dropped because the disconnect buffer was full, since start. */
  droppedWhileDisconnected = 0

  private constructor(
    private readonly nc: NatsConnection,
    private readonly log: BusLog,
    private readonly opts: Required<Pick<NatsBusOptions, 'maxBufferedBytes' | 'reconnectBaseMs' | 'reconnectMaxMs'>>,
    prefix: string,
  ) {
    this.prefix = prefix
    void this.watch()
  }

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const target = parseNatsUrl(options.url)
    const prefix = normalizePrefix(options.prefix ?? 'parley.')
    const tuning = {
      maxBufferedBytes: options.maxBufferedBytes ?? 8 * 1024 * 1024,
      reconnectBaseMs: options.reconnectBaseMs ?? 250,
      reconnectMaxMs: options.reconnectMaxMs ?? 5_000,
    }
    // The handler is bound after construction: NATS asks for it only once disconnected.
    let delay: () => number = () => tuning.reconnectBaseMs
    let nc: NatsConnection
    try {
      nc = await connect({
        ...natsServerOptions(target),
        name: options.name ?? 'parley',
        maxReconnectAttempts: -1,
        reconnectDelayHandler: () => delay(),
        timeout: options.connectTimeoutMs ?? 5_000,
        pingInterval: options.pingIntervalMs ?? 10_000,
        maxPingOut: 2,
      })
    } catch (err) {
      throw new Error(`cannot connect to NATS at ${redactNatsUrl(options.url)}: ${(err as Error).message}`, { cause: err })
    }
    const bus = new NatsBus(nc, options.log, tuning, prefix)
    delay = () => bus.reconnectDelay()
    options.log.info({ server: nc.getServer(), prefix }, 'bus connected to NATS')
    return bus
  }

  publish(subject: string, payload: string): void {
    checkSubject(subject, false)
    if (this.closed) return
    if (!this.connected) return this.keep(subject, payload)
    try {
      this.nc.publish(this.prefix + subject, payload)
    } catch (err) {
      this.log.error({ err, subject }, 'bus publish failed; dropped')
    }
  }

  subscribe(pattern: string, handler: BusHandler): () => void {
    checkSubject(pattern, true)
    if (this.closed) return () => {}
    const local: LocalSub = { handler, active: true }
    let route = this.routes.get(pattern)
    if (!route) {
      const handlers = new Set<LocalSub>()
      let sub: Subscription
      try {
        sub = this.nc.subscribe(this.prefix + pattern, { callback: (err, msg) => this.dispatch(pattern, handlers, err, msg) })
      } catch (err) {
        // Only a connection NATS itself closed (say, revoked credentials) refuses a SUB.
        this.log.error({ err, pattern }, 'bus subscribe failed')
        return () => {}
      }
      this.routes.set(pattern, (route = { sub, handlers }))
    }
    route.handlers.add(local)
    const owner = route
    return () => {
      if (!local.active) return
      local.active = false
      owner.handlers.delete(local)
      if (owner.handlers.size === 0 && this.routes.get(pattern) === owner) {
        this.routes.delete(pattern)
        if (!this.closed) this.unsubscribe(owner.sub)
      }
    }
  }

  async flush(): Promise<void> {
    for (;;) {
      if (this.closed) return
      if (!this.connected) await this.untilReconnected()
      try {
        await this.nc.flush()
        return
      } catch (err) {
        // A disconnect rejects the PING in flight; wait for the reconnect and ask again.
        if (this.closed) return
        if (this.nc.isClosed()) throw err
      }
    }
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener)
    return () => void this.reconnectListeners.delete(listener)
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  /** Whether the connection to NATS is up (false while reconnecting and after close). */
  get isConnected(): boolean {
    return this.connected && !this.closed
  }

  private async shutdown(): Promise<void> {
    this.closed = true
    for (const route of this.routes.values()) for (const local of route.handlers) local.active = false
    this.routes.clear()
    const lost = this.buffer.length
    if (lost > 0) this.log.warn({ lost }, 'bus closed while disconnected; buffered publishes dropped')
    this.buffer = []
    for (const wake of this.waiters) wake()
    this.waiters = []
    try {
      // Drain sends what was published before close; bounded, as a flush waits for the server.
      if (this.connected && !this.nc.isClosed()) await withTimeout(this.nc.drain(), 5_000)
    } catch (err) {
      this.log.warn({ err }, 'bus drain did not finish; closing')
    }
    if (!this.nc.isClosed()) await this.nc.close().catch((err) => this.log.warn({ err }, 'bus close failed'))
  }

  private dispatch(pattern: string, handlers: Set<LocalSub>, err: Error | null, msg: Msg): void {
    if (err) return void this.log.error({ err, pattern }, 'bus subscription error')
    if (this.closed || handlers.size === 0) return
    const subject = msg.subject.slice(this.prefix.length)
    let payload: string
    try {
      payload = msg.string()
    } catch (e) {
      return void this.log.error({ err: e, subject }, 'bus payload is not UTF-8; dropped')
    }
    for (const local of handlers) {
      if (!local.active) continue
      try {
        local.handler(payload, subject)
      } catch (e) {
        this.log.error({ err: e, subject, pattern }, 'bus handler threw')
      }
    }
  }

  private keep(subject: string, payload: string): void {
    const bytes = Buffer.byteLength(payload) + subject.length
    if (this.bufferedBytes + bytes > this.opts.maxBufferedBytes) {
      if (this.droppedInOutage++ === 0) this.log.warn({ maxBufferedBytes: this.opts.maxBufferedBytes }, 'bus disconnect buffer full; dropping publishes until NATS is back')
      this.droppedWhileDisconnected++
      return
    }
    this.buffer.push({ subject, payload })
    this.bufferedBytes += bytes
  }

  /** Follows the connection's status: buffer while down, replay and tell listeners when back. */
  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.connected = false
          this.attempts = 0
          this.log.warn({ server: s.server }, 'bus lost NATS; reconnecting, publishes buffered')
          break
        case 'reconnecting':
          this.attempts++
          break
        case 'reconnect':
          this.resumed(s.server)
          break
        case 'error':
          this.log.error({ err: s.error }, 'bus NATS error')
          break
        case 'ldm':
          this.log.warn({ server: s.server }, 'NATS server entering lame duck mode')
          break
        case 'staleConnection':
          this.log.warn({}, 'bus NATS connection stale; reconnecting')
          break
        case 'close':
          return
      }
    }
  }

  private resumed(server: string): void {
    if (this.closed) return
    const replayed = this.buffer.length
    // Replay before new publishes go straight to the client: `connected` is still false, so
    // anything published meanwhile is behind these in the buffer. Order is kept.
    for (const { subject, payload } of this.buffer) {
      try {
        this.nc.publish(this.prefix + subject, payload)
      } catch (err) {
        this.log.error({ err, subject }, 'bus publish failed; dropped')
      }
    }
    this.buffer = []
    this.bufferedBytes = 0
    this.connected = true
    this.log.info({ server, replayed, dropped: this.droppedInOutage, attempts: this.attempts }, 'bus reconnected to NATS')
    this.droppedInOutage = 0
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
    for (const listener of this.reconnectListeners) {
      try {
        listener()
      } catch (err) {
        this.log.error({ err }, 'bus reconnect listener threw')
      }
    }
  }

  private untilReconnected(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Exponential backoff with jitter, one value per attempt (NATS asks several times per wait). */
  private reconnectDelay(): number {
    if (this.delayFor !== this.attempts) {
      this.delayFor = this.attempts
      const ceiling = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectBaseMs * 2 ** Math.min(this.attempts, 20))
      this.delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
    }
    return this.delayMs
  }

  private unsubscribe(sub: Subscription): void {
    try {
      sub.unsubscribe()
    } catch (err) {
      this.log.warn({ err }, 'bus unsubscribe failed')
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
