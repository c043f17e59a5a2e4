import { CloseCode, PROTOCOL_VERSION, shouldReconnect, type ClientFrame, type ServerFrame, type SessionReadyFrame } from './protocol.gen.js'
import { ParleyError } from './errors.js'
import { Backoff } from './backoff.js'
import { Sequencer } from './sequencer.js'
import { WS_OPEN, type Clock, type WebSocketConstructor, type WebSocketLike } from './platform.js'
import type { TokenSource } from './token-source.js'
import type { AnyParleyEvent, EphemeralEvent, ParleyEvent, Positions } from './events.js'

/** What the connection reports to the client (which fans it out to the app's handlers). */
export interface RealtimeSignals {
  ready(frame: SessionReadyFrame): void
  event(event: AnyParleyEvent): void
  ephemeral(event: EphemeralEvent): void
  reset(info: { conversationId: string; lastSeq: number }): void
  synced(info: { conversations: number; events: number }): void
  disconnected(info: { code: number; reason: string; willReconnect: boolean }): void
  reconnecting(info: { attempt: number; delayMs: number }): void
  error(err: unknown): void
}

export interface RealtimeOptions {
  /** Base URL of the service, http(s)://host[:port]. */
  baseUrl: string
  WebSocket: WebSocketConstructor
  tokens: TokenSource
  /** `query`: `?token=` on the upgrade (default); `frame`: an `auth` frame first (keeps the token out of URLs and logs). */
  authVia: 'query' | 'frame'
  clock: Clock
  backoff: Backoff
  /** Ping period, ms (default 25 000, under the server's 60 s idle timeout). */
  pingIntervalMs: number
  /** No frame at all this long after a ping: the socket is dead; drop it and reconnect (default 10 000). */
  pongTimeoutMs: number
  /** A call over the socket without a result this long fails with `timeout` (default 30 000). */
  callTimeoutMs: number
  /** A connection that stayed up this long resets the backoff (default 10 000). */
  stableAfterMs: number
  positions: Positions
  signals: RealtimeSignals
}

interface Pending {
  resolve(data: unknown): void
  reject(err: ParleyError): void
  timer: unknown
}

interface SyncAnswer {
  data: { conversationId: string; events: Omit<ParleyEvent, 'source'>[]; reset?: true; lastSeq?: number }[]
  hasMore: boolean
}

/** Our own close code when we give up on a socket that stopped answering pings. */
const NO_PONG = 4000
/** The most `sync` pages one resume reads before giving up on this socket (a safety net). */
const MAX_SYNC_PAGES = 1000

/**
 * One logical real-time connection over successive sockets: connects, pings, reconnects with
 * backoff, resumes with `sync`, and hands each durable event to the app exactly once, in seq
 * order per conversation (through the Sequencer).
 *
 * Sockets are replaced, never reused; handlers of a socket that is no longer current are
 * ignored, so a late frame or close from an old socket cannot disturb the new one.
 */
export class Realtime {
  private ws: WebSocketLike | undefined
  private readonly seq: Sequencer<ParleyEvent>
  private readonly pending = new Map<string, Pending>()
  private nextCallId = 0
  private stopped = true
  /** Bumped by disconnect(): an open() still awaiting its token from before then does nothing. */
  private generation = 0
  /** Set once a socket reached session.ready: from then on every new socket resumes with sync. */
  private everReady = false
  private readyAt: number | undefined
  private ready = false
  private unauthorizedStreak = 0
  private reconnectTimer: unknown
  private pingTimer: unknown
  private pongTimer: unknown
  private firstReady: { promise: Promise<SessionReadyFrame>; resolve(f: SessionReadyFrame): void; reject(e: unknown): void } | undefined

  constructor(private readonly o: RealtimeOptions) {
    this.seq = new Sequencer<ParleyEvent>((e, source) => o.signals.event({ ...e, source } as AnyParleyEvent), o.positions)
  }

  /** True while a socket is authenticated and resumed: calls over the socket go out at once. */
  get isReady(): boolean {
    return this.ready
  }

  positions(): Positions {
    return this.seq.positions()
  }

  setPosition(conversationId: string, seq: number): void {
    this.seq.advance(conversationId, seq)
  }

  forget(conversationId: string): void {
    this.seq.forget(conversationId)
  }

  /**
   * Starts connecting (and keeps reconnecting until `disconnect()` or a close code that says
   * not to). Resolves with the first `session.ready`, once any resume is done.
   */
  connect(): Promise<SessionReadyFrame> {
    if (this.firstReady) return this.firstReady.promise
    let resolve!: (f: SessionReadyFrame) => void
    let reject!: (e: unknown) => void
    const promise = new Promise<SessionReadyFrame>((res, rej) => ((resolve = res), (reject = rej)))
    promise.catch(() => undefined) // a rejection nobody awaited is reported through `error`
    this.firstReady = { promise, resolve, reject }
    this.stopped = false
    void this.open()
    return promise
  }

  /** Closes for good (until the next `connect()`); calls in flight fail with `disconnected`. */
  disconnect(): void {
    this.stopped = true
    this.generation++
    this.o.clock.clearTimeout(this.reconnectTimer)
    const ws = this.ws
    if (ws) {
      this.detach(ws)
      try {
        ws.close(1000, 'client closed')
      } catch {
        /* already closing */
      }
      this.closed(1000, 'client closed')
    }
    this.giveUp(new ParleyError('disconnected', 'disconnect() was called'))
  }

  /** Calls an operation over the current socket. */
  call(op: string, data: Record<string, unknown>, timeoutMs = this.o.callTimeoutMs): Promise<unknown> {
    const ws = this.ws
    if (!ws || ws.readyState !== WS_OPEN) return Promise.reject(new ParleyError('disconnected', 'not connected'))
    const id = `c${++this.nextCallId}`
    return new Promise((resolve, reject) => {
      const timer = this.o.clock.setTimeout(() => {
        this.pending.delete(id)
        reject(new ParleyError('timeout', `no result for ${op} in ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve, reject, timer })
      this.send(ws, { type: 'call', id, op, data })
    })
  }

  // -------------------------------------------------------------------------------------------

  private async open(): Promise<void> {
    if (this.stopped) return
    const generation = this.generation
    let token: string
    try {
      token = await this.o.tokens.current()
    } catch (err) {
      if (generation !== this.generation) return
      this.o.signals.error(err)
      return this.scheduleReconnect()
    }
    if (this.stopped || generation !== this.generation) return
    // The protocol version is stated on every upgrade: a server that does not speak it closes
    // with UnsupportedProtocol (do not reconnect) instead of sending frames this SDK misreads.
    const url = `${wsUrl(this.o.baseUrl)}?protocol=${PROTOCOL_VERSION}` + (this.o.authVia === 'query' ? `&token=${encodeURIComponent(token)}` : '')
    let ws: WebSocketLike
    try {
      ws = new this.o.WebSocket(url)
    } catch (err) {
      this.o.signals.error(err)
      return this.scheduleReconnect()
    }
    this.ws = ws
    this.ready = false
    this.readyAt = undefined
    // From the first frame on, live events wait until the resume (if any) is applied.
    if (this.everReady || this.seq.hasPositions()) this.seq.beginSync()
    ws.onopen = () => {
      if (this.ws !== ws) return
      if (this.o.authVia === 'frame') this.send(ws, { type: 'auth', token, protocol: PROTOCOL_VERSION })
      this.schedulePing(ws)
    }
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return
      let frame: ServerFrame
      try {
        frame = JSON.parse(String(ev.data)) as ServerFrame
      } catch {
        return this.o.signals.error(new ParleyError('internal', 'the server sent a frame that is not JSON'))
      }
      this.onFrame(ws, frame)
    }
    ws.onclose = (ev) => {
      if (this.ws !== ws) return
      this.detach(ws)
      this.closed(ev.code, String(ev.reason ?? ''), token)
    }
    ws.onerror = () => {
      /* a close event follows and carries the code */
    }
  }

  private onFrame(ws: WebSocketLike, frame: ServerFrame): void {
    // Any frame shows the socket is alive.
    this.o.clock.clearTimeout(this.pongTimer)
    this.pongTimer = undefined
    switch (frame.type) {
      case 'session.ready':
        return void this.onReady(ws, frame)
      case 'result': {
        const p = this.pending.get(frame.id)
        if (!p) return
        this.pending.delete(frame.id)
        this.o.clock.clearTimeout(p.timer)
        if (frame.ok) p.resolve(frame.data)
        else p.reject(ParleyError.fromFrame(frame.error))
        return
      }
      case 'event':
        if ('seq' in frame && typeof frame.seq === 'number') {
          const { type: _t, ...event } = frame
          this.seq.live(event as ParleyEvent)
        } else {
          const { type: _t, ...event } = frame
          this.o.signals.ephemeral(event as EphemeralEvent)
        }
        return
      case 'pong':
        return
      case 'error':
        return this.o.signals.error(ParleyError.fromFrame(frame.error))
    }
  }

  private async onReady(ws: WebSocketLike, frame: SessionReadyFrame): Promise<void> {
    if (frame.protocol !== PROTOCOL_VERSION) {
      this.o.signals.error(new ParleyError('internal', `server speaks protocol ${frame.protocol}, this SDK ${PROTOCOL_VERSION}`))
    }
    this.readyAt = this.o.clock.now()
    this.unauthorizedStreak = 0
    this.o.signals.ready(frame)
    if (this.seq.syncing) {
      try {
        await this.resume(ws)
      } catch (err) {
        if (this.ws !== ws) return // the socket went away mid-sync; the next one resumes again
        this.o.signals.error(err)
        if (err instanceof ParleyError && err.retryable) return this.drop(ws, 4000, 'sync failed')
        // Not retryable (a server without sync?): go on live rather than loop.
        this.seq.endSync()
      }
    }
    if (this.ws !== ws) return
    this.ready = true
    this.everReady = true
    this.firstReady?.resolve(frame)
  }

  /** Applies `sync` pages until `hasMore` is false, then the live events held meanwhile. */
  private async resume(ws: WebSocketLike): Promise<void> {
    let conversations = 0
    let events = 0
    for (let page = 0; page < MAX_SYNC_PAGES; page++) {
      const answer = (await this.call('sync', { since: this.seq.positions() })) as SyncAnswer
      if (this.ws !== ws) return
      let progressed = false
      for (const entry of answer.data) {
        conversations++
        if (entry.reset) {
          // Too much missed to replay: the app reloads it (list-messages); carry on after lastSeq.
          const lastSeq = entry.lastSeq ?? 0
          if (lastSeq > (this.seq.positions()[entry.conversationId] ?? -1)) progressed = true
          this.seq.advance(entry.conversationId, lastSeq)
          this.o.signals.reset({ conversationId: entry.conversationId, lastSeq })
          continue
        }
        for (const e of entry.events) {
          const { type: _t, ...event } = e as typeof e & { type?: string }
          if (this.seq.apply({ ...event, conversationId: event.conversationId ?? entry.conversationId } as ParleyEvent, 'sync')) {
            events++
            progressed = true
          }
        }
      }
      if (!answer.hasMore || !progressed) break
    }
    this.seq.endSync()
    this.o.signals.synced({ conversations, events })
  }

  /** Bookkeeping after the current socket closed (or was dropped), then reconnect or give up. */
  private closed(code: number, reason: string, token?: string): void {
    this.ws = undefined
    this.ready = false
    this.o.clock.clearTimeout(this.pingTimer)
    this.o.clock.clearTimeout(this.pongTimer)
    this.seq.abortSync()
    for (const [id, p] of this.pending) {
      this.o.clock.clearTimeout(p.timer)
      p.reject(new ParleyError('disconnected', `the socket closed (${code}) before the result came`))
      this.pending.delete(id)
    }
    if (this.readyAt !== undefined && this.o.clock.now() - this.readyAt >= this.o.stableAfterMs) this.o.backoff.reset()
    this.readyAt = undefined

    let willReconnect = !this.stopped && shouldReconnect(code)
    const refresh = !this.stopped && code === CloseCode.Unauthorized && this.o.tokens.canRefresh && this.unauthorizedStreak === 0
    if (refresh) willReconnect = true
    this.o.signals.disconnected({ code, reason, willReconnect })
    if (this.stopped) return
    if (!willReconnect) {
      return this.giveUp(new ParleyError(code === CloseCode.Unauthorized ? 'unauthorized' : 'forbidden', `the server closed the socket: ${code} ${reason}`.trim(), { retryable: false }))
    }
    if (refresh) {
      // A fresh token, then reconnect; a second refusal in a row with a fresh token gives up.
      this.unauthorizedStreak++
      void this.o.tokens.refresh(token ?? '').then(
        () => this.scheduleReconnect(),
        (err: unknown) => {
          this.o.signals.error(err)
          this.scheduleReconnect()
        },
      )
      return
    }
    this.scheduleReconnect()
  }

  private giveUp(err: ParleyError): void {
    this.stopped = true
    const first = this.firstReady
    this.firstReady = undefined
    if (first) {
      first.reject(err)
      if (err.code !== 'disconnected') this.o.signals.error(err)
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return
    const attempt = this.o.backoff.attempts + 1
    const delayMs = this.o.backoff.next()
    this.o.signals.reconnecting({ attempt, delayMs })
    this.o.clock.clearTimeout(this.reconnectTimer)
    this.reconnectTimer = this.o.clock.setTimeout(() => void this.open(), delayMs)
  }

  private schedulePing(ws: WebSocketLike): void {
    this.pingTimer = this.o.clock.setTimeout(() => {
      if (this.ws !== ws) return
      this.send(ws, { type: 'ping' })
      this.o.clock.clearTimeout(this.pongTimer)
      this.pongTimer = this.o.clock.setTimeout(() => this.drop(ws, NO_PONG, 'no pong'), this.o.pongTimeoutMs)
      this.schedulePing(ws)
    }, this.o.pingIntervalMs)
  }

  /** Gives up on a socket without waiting for its closing handshake (a dead network never finishes it). */
  private drop(ws: WebSocketLike, code: number, reason: string): void {
    if (this.ws !== ws) return
    this.detach(ws)
    try {
      if (ws.terminate) ws.terminate()
      else ws.close(code, reason)
    } catch {
      /* already closed */
    }
    this.closed(code, reason)
  }

  private detach(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = null
    ws.onerror = () => undefined
  }

  private send(ws: WebSocketLike, frame: ClientFrame): void {
    if (ws.readyState === WS_OPEN) ws.send(JSON.stringify(frame))
  }
}

/** http://h/p → ws://h/p/v1/ws (and https → wss). */
export function wsUrl(baseUrl: string): string {
  return baseUrl.replace(/^http/i, 'ws').replace(/\/+$/, '') + '/v1/ws'
}
