import { Backoff } from './backoff.js'
import { Emitter } from './emitter.js'
import { ParleyError } from './errors.js'
import { callHttp } from './http.js'
import { opMethods, opRoutes, type OpTypes } from './ops.gen.js'
import { globalFetch, globalWebSocket, systemClock, type Clock, type FetchLike, type WebSocketConstructor } from './platform.js'
import { Realtime } from './realtime.js'
import { TokenSource } from './token-source.js'
import type { SessionReadyFrame } from './protocol.gen.js'
import type { AnyParleyEvent, DurableEventName, EphemeralEvent, ParleyEvent, Positions } from './events.js'

export type OpId = keyof OpTypes
export type OpInput<K extends OpId> = OpTypes[K]['input']
export type OpOutput<K extends OpId> = OpTypes[K]['output']

export interface CallOptions {
  /**
   * `http` (default): a POST. `socket`: a `call` frame on the connected socket (fails with
   * `disconnected` when not connected). `auto`: the socket when it is ready, else HTTP.
   */
  via?: 'http' | 'socket' | 'auto'
}

/** The input argument is optional for operations whose fields are all optional. */
export type CallArgs<K extends OpId> = {} extends OpInput<K> ? [input?: OpInput<K>, options?: CallOptions] : [input: OpInput<K>, options?: CallOptions]

/** `client.ops.sendMessage(input)` is `client.call('send-message', input)`. */
export type OpMethods = {
  [M in keyof typeof opMethods]: (...args: CallArgs<(typeof opMethods)[M]>) => Promise<OpOutput<(typeof opMethods)[M]>>
}

/** What `client.on(name, handler)` can listen to, and what each handler receives. */
export type ClientEvents = { [N in DurableEventName]: ParleyEvent<N> } & {
  /** Every event: durable (de-duplicated, in order) and ephemeral. */
  event: AnyParleyEvent | EphemeralEvent
  typing: EphemeralEvent<'typing'>
  presence: EphemeralEvent<'presence'>
  /** Another member's device acknowledged receipt up to `lastDeliveredSeq` (for sent → delivered → read). */
  delivery: EphemeralEvent<'delivery'>
  /** Each socket's `session.ready` (who you are, unread summary), before its resume. */
  ready: SessionReadyFrame
  /** `sync` could not replay this conversation: reload it with list-messages. Live events after `lastSeq` follow. */
  reset: { conversationId: string; lastSeq: number }
  /** A resume finished: what `sync` delivered. */
  synced: { conversations: number; events: number }
  disconnected: { code: number; reason: string; willReconnect: boolean }
  reconnecting: { attempt: number; delayMs: number }
  /** Anything that went wrong outside a call the app awaits (including a handler that threw). */
  error: unknown
}

export interface ParleyClientOptions {
  /** The service, e.g. `https://chat.example.com` (no `/v1`). */
  baseUrl: string
  /** A user JWT, an agent key or the server key. */
  token?: string
  /** Called when no token is held and after the server refuses one (HTTP 401, close 4001). */
  getToken?: () => string | Promise<string>
  /** Global `WebSocket` by default; on Node 20 pass `ws`'s: `import WebSocket from 'ws'`. */
  WebSocket?: WebSocketConstructor
  /** Global `fetch` by default. */
  fetch?: FetchLike
  /** Positions persisted from an earlier run (`client.positions()`); the first connect resumes from them. */
  positions?: Positions
  /** Default transport of `call` (default `http`). */
  callsVia?: CallOptions['via']
  /** How the socket authenticates (default `query`, `?token=`; `frame` keeps the token out of URLs). */
  authVia?: 'query' | 'frame'
  reconnect?: { baseMs?: number; capMs?: number; stableAfterMs?: number }
  pingIntervalMs?: number
  pongTimeoutMs?: number
  callTimeoutMs?: number
  /**
   * Acknowledge received events to the server (mark-conversation-delivered over the socket) so
   * senders see "delivered"; batched per conversation every `ackDelayMs` (default on, 500 ms).
   */
  ackDelivered?: boolean
  ackDelayMs?: number
  /** For tests: time and timers, and the jitter's random source. */
  clock?: Clock
  random?: () => number
}

/**
 * The Parley client: typed operations over HTTP (or the socket), and real-time events over
 * one WebSocket that reconnects by itself and resumes without loss or duplicates.
 *
 * @example
 * const client = new ParleyClient({ baseUrl: 'http://127.0.0.1:8080', token, WebSocket })
 * client.on('message.created', (e) => console.log(e.data.senderId, e.data.content))
 * await client.connect()
 * await client.ops.sendMessage({ conversationId, content: 'hi' })
 */
export class ParleyClient {
  readonly ops: OpMethods
  private readonly emitter = new Emitter<ClientEvents>()
  private readonly tokens: TokenSource
  private readonly fetch: FetchLike | undefined
  private readonly WebSocket: WebSocketConstructor | undefined
  private readonly realtime: Realtime
  /** Highest received seq per conversation not yet acknowledged. */
  private readonly unacked = new Map<string, number>()
  private ackTimer: unknown

  constructor(private readonly options: ParleyClientOptions) {
    this.tokens = new TokenSource(options.token, options.getToken)
    this.fetch = options.fetch ?? globalFetch()
    this.WebSocket = options.WebSocket ?? globalWebSocket()
    const emit = <K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]) =>
      this.emitter.emit(name, payload, (err) => this.emitter.emit('error', err))
    this.realtime = new Realtime({
      baseUrl: options.baseUrl,
      WebSocket: (this.WebSocket ?? missingWebSocket) as WebSocketConstructor,
      tokens: this.tokens,
      authVia: options.authVia ?? 'query',
      clock: options.clock ?? systemClock,
      backoff: new Backoff({ baseMs: options.reconnect?.baseMs, capMs: options.reconnect?.capMs, random: options.random }),
      pingIntervalMs: options.pingIntervalMs ?? 25_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      callTimeoutMs: options.callTimeoutMs ?? 30_000,
      stableAfterMs: options.reconnect?.stableAfterMs ?? 10_000,
      positions: options.positions ?? {},
      signals: {
        ready: (f) => emit('ready', f),
        event: (e) => {
          this.noteReceived(e.conversationId, e.seq)
          emit(e.event, e as never)
          emit('event', e)
        },
        ephemeral: (e) => {
          if (e.event === 'typing' || e.event === 'presence' || e.event === 'delivery') emit(e.event, e as never)
          emit('event', e)
        },
        reset: (i) => emit('reset', i),
        synced: (i) => emit('synced', i),
        disconnected: (i) => emit('disconnected', i),
        reconnecting: (i) => emit('reconnecting', i),
        error: (err) => emit('error', err),
      },
    })
    const ops: Record<string, (input?: Record<string, unknown>, o?: CallOptions) => Promise<unknown>> = {}
    for (const [method, id] of Object.entries(opMethods)) ops[method] = (input, o) => this.invoke(id, input ?? {}, o)
    this.ops = ops as unknown as OpMethods
  }

  /** Remembers a received seq and schedules one acknowledgement per conversation. */
  private noteReceived(conversationId: string, seq: number): void {
    if (this.options.ackDelivered === false) return
    if (seq > (this.unacked.get(conversationId) ?? 0)) this.unacked.set(conversationId, seq)
    if (this.ackTimer !== undefined) return
    const clock = this.options.clock ?? systemClock
    this.ackTimer = clock.setTimeout(() => {
      this.ackTimer = undefined
      const due = [...this.unacked]
      this.unacked.clear()
      for (const [id, upTo] of due) {
        // Best effort: a lost acknowledgement only delays "delivered" until the next one.
        this.invoke('mark-conversation-delivered', { id, seq: upTo }, { via: 'auto' }).catch(() => undefined)
      }
    }, this.options.ackDelayMs ?? 500)
  }

  /** Calls an operation by id; input and output typed from the server's schemas. Throws ParleyError. */
  call<K extends OpId>(op: K, ...args: CallArgs<K>): Promise<OpOutput<K>> {
    const [input, o] = args
    return this.invoke(op, (input ?? {}) as Record<string, unknown>, o) as Promise<OpOutput<K>>
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof ClientEvents>(name: K, handler: (payload: ClientEvents[K]) => void): () => void {
    return this.emitter.on(name, handler)
  }

  off<K extends keyof ClientEvents>(name: K, handler: (payload: ClientEvents[K]) => void): void {
    this.emitter.off(name, handler)
  }

  /**
   * Opens the real-time connection; resolves on the first `session.ready` (after resuming from
   * `positions`, if any). From then on it reconnects by itself with backoff and resumes with
   * `sync`. Rejects when the server refuses for good (bad token without `getToken`, forbidden
   * origin, deactivated) or `disconnect()` is called first.
   */
  connect(): Promise<SessionReadyFrame> {
    if (!this.WebSocket) {
      return Promise.reject(new TypeError('no global WebSocket: pass one, e.g. `new ParleyClient({ WebSocket })` with `import WebSocket from "ws"`'))
    }
    return this.realtime.connect()
  }

  /** Closes the connection and stops reconnecting. */
  disconnect(): void {
    this.realtime.disconnect()
  }

  /** True while the socket is authenticated and resumed. */
  get connected(): boolean {
    return this.realtime.isReady
  }

  /** Conversation id → last seq delivered to the app. Persist it; pass it back as `positions`. */
  positions(): Positions {
    return this.realtime.positions()
  }

  /**
   * Tells the client the app already has a conversation up to `seq` (e.g. its `lastSeq` after
   * loading it with list-messages): events up to it are not delivered, and a resume starts there.
   */
  setPosition(conversationId: string, seq: number): void {
    this.realtime.setPosition(conversationId, seq)
  }

  /** Stops tracking a conversation (the app left it or no longer shows it). */
  forgetPosition(conversationId: string): void {
    this.realtime.forget(conversationId)
  }

  private invoke(op: string, input: Record<string, unknown>, o: CallOptions | undefined): Promise<unknown> {
    const via = o?.via ?? this.options.callsVia ?? 'http'
    if (via === 'socket' || (via === 'auto' && this.realtime.isReady)) return this.realtime.call(op, input)
    if (!this.fetch) return Promise.reject(new TypeError('no global fetch: pass `fetch` in the options'))
    if (!(op in opRoutes)) return Promise.reject(new ParleyError('not_found', `unknown operation ${op}`, { retryable: false }))
    return callHttp(this.fetch, this.options.baseUrl, this.tokens, op as OpId, input)
  }
}

const missingWebSocket = function () {
  throw new TypeError('no WebSocket constructor')
}
