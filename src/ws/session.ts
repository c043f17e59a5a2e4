import { randomUUID } from 'node:crypto'
import type { WebSocket } from 'ws'
import type { Actor, ParticipantActor } from '../ops/context.js'
import { CloseCode, type ServerFrame } from '../protocol/frames.js'
import type { EndReason, EngineSession } from '../realtime/session.js'
import { closeFor } from './close-reasons.js'
import { NATIVE_PROTOCOL } from './encoder.js'

export interface SessionLimits {
  idleTimeoutMs: number
  framesPerSecond: number
  maxBufferedBytes: number
}

/**
 * One WebSocket connection of the native protocol: its participant once authenticated, its
 * inbound rate limit, its idle timer and the bound on what it may have queued outbound. The
 * engine sees it as an EngineSession.
 */
export class Session implements EngineSession {
  readonly id = randomUUID()
  readonly protocol = NATIVE_PROTOCOL
  actor?: ParticipantActor
  /** The token or key the session authenticated with: calls re-check it (it may be revoked since). */
  credential?: string
  private closed = false
  private idle?: NodeJS.Timeout
  private tokens: number
  private refilledAt = Date.now()
  private readonly endings: (() => void)[] = []

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: SessionLimits,
    private readonly onClose: (s: Session) => void,
  ) {
    this.tokens = limits.framesPerSecond * 2
    socket.on('close', () => this.finish())
    socket.on('error', () => this.finish())
    this.touch()
  }

  get participantId(): string {
    return this.actor!.id
  }

  get ownerId(): string | undefined {
    return this.actor?.kind === 'agent' ? this.actor.ownerId : undefined
  }

  get isOpen(): boolean {
    return !this.closed
  }

  authenticated(actor: Actor, credential: string): actor is ParticipantActor {
    if (actor.kind === 'server') return false
    this.actor = actor
    this.credential = credential
    return true
  }

  send(frame: ServerFrame): void {
    this.sendRaw(JSON.stringify(frame))
  }

  /**
   * Sends a serialized frame. A client that does not read fast enough is closed with
   * SlowConsumer ("reconnect and sync") rather than letting its queue grow without bound.
   */
  sendRaw(frame: string): void {
    if (this.closed) return
    if (this.socket.bufferedAmount + frame.length > this.limits.maxBufferedBytes) {
      this.close(CloseCode.SlowConsumer, 'outgoing buffer full: reconnect and sync')
      return
    }
    this.socket.send(frame)
  }

  /**
   * Holds writes until `uncork`, so that the frames of one batch of events leave in one write
   * (one syscall) instead of one each. `ws` keeps its net.Socket in `_socket`.
   */
  cork(): void {
    ;(this.socket as unknown as { _socket?: { cork(): void } })._socket?.cork()
  }

  uncork(): void {
    ;(this.socket as unknown as { _socket?: { uncork(): void } })._socket?.uncork()
  }

  /** Counts one inbound frame against the rate limit; false when over it. */
  admit(): boolean {
    this.touch()
    const now = Date.now()
    const rate = this.limits.framesPerSecond
    this.tokens = Math.min(rate * 2, this.tokens + ((now - this.refilledAt) / 1000) * rate)
    this.refilledAt = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Runs `fn` once when the session ends, however it ends. */
  onEnd(fn: () => void): void {
    if (this.closed) fn()
    else this.endings.push(fn)
  }

  /** The engine ended the session (a revocation, an operator's close): closed with the code the client acts on. */
  end(why: EndReason): void {
    const { code, reason } = closeFor(why)
    this.close(code, reason)
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    this.socket.close(code, reason)
    this.finish()
  }

  private touch(): void {
    clearTimeout(this.idle)
    this.idle = setTimeout(() => this.close(CloseCode.IdleTimeout, 'idle timeout'), this.limits.idleTimeoutMs)
    this.idle.unref()
  }

  private finish(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.idle)
    for (const fn of this.endings.splice(0)) fn()
    this.onClose(this)
  }
}
