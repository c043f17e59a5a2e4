/**
 * The WebSocket wire protocol of `GET /v1/ws`, in one place: every frame either side may send,
 * as discriminated unions on `type`, plus the close codes. Shared by the server, the SDK and
 * the web client (type-only imports: nothing here runs).
 *
 * All frames are JSON text. A client authenticates with `?token=` on the upgrade or with an
 * `auth` frame first; the server then sends `session.ready`. A client states the protocol
 * version it speaks with `?protocol=` on the upgrade or `protocol` in the `auth` frame.
 */

/** Bumped on any incompatible change; sent in `session.ready`. */
export const PROTOCOL_VERSION = 1

/**
 * Versions this server speaks. A client stating another one is closed with
 * UnsupportedProtocol; a client stating none is taken to speak PROTOCOL_VERSION (clients from
 * before versions were stated keep working).
 */
export const SUPPORTED_PROTOCOLS: readonly number[] = [PROTOCOL_VERSION]

// ---------------------------------------------------------------------------------------------
// Client → server

/** Authenticate when no `?token=` was given on the upgrade. Must be the first frame. */
export interface AuthFrame {
  type: 'auth'
  token: string
  /** The protocol version the client speaks (as `?protocol=` would say); default PROTOCOL_VERSION. */
  protocol?: number
}

/**
 * Call any operation by its id, with the same input as its HTTP body (path parameters inside
 * `data`). Example: `{ "type": "call", "id": "c1", "op": "send-message", "data": { … } }`.
 */
export interface CallFrame {
  type: 'call'
  /** Client-chosen, echoed in the result; 1–64 characters. */
  id: string
  op: string
  data?: Record<string, unknown>
}

/** Liveness: answered with `pong`. Any frame counts as activity for the idle timeout. */
export interface PingFrame {
  type: 'ping'
}

export type ClientFrame = AuthFrame | CallFrame | PingFrame

// ---------------------------------------------------------------------------------------------
// Server → client

export interface ResultOk {
  type: 'result'
  id: string
  ok: true
  data: unknown
}

export interface ResultError {
  type: 'result'
  id: string
  ok: false
  error: { code: string; detail: string; errors?: { path: string; message: string }[]; retryable: boolean }
}

/**
 * A durable event of a conversation the user is in, with that conversation's `seq`.
 * Example: `{ "type": "event", "event": "message.created", "conversationId": "…", "seq": 42, "data": { … } }`.
 */
export interface EventFrame {
  type: 'event'
  event: string
  conversationId: string
  seq: number
  actorId: string | null
  createdAt: string
  data: unknown
}

/**
 * An ephemeral event (no seq): `typing`, `presence`, or `delivery` (a member's delivered cursor
 * moved: `{ userId, lastDeliveredSeq }`). Never replayed.
 */
export interface EphemeralFrame {
  type: 'event'
  event: 'typing' | 'presence' | 'delivery'
  conversationId?: string
  data: unknown
}

/** First frame after authentication: who you are and your unread summary. */
export interface SessionReadyFrame {
  type: 'session.ready'
  protocol: number
  sessionId: string
  participant: { id: string; kind: 'user' | 'agent' }
  /**
   * Conversations with something unread (messages or threads), each with its counts and last
   * seq: the same counts as the membership views (`unreadThreadCount`: threads the participant
   * follows with replies from others after their thread cursor).
   */
  unread: { conversationId: string; unreadCount: number; mentionCount: number; unreadThreadCount: number; lastSeq: number }[]
  /** Limits the server enforces on this session. */
  limits: { maxFrameBytes: number; framesPerSecond: number; idleTimeoutMs: number }
}

export interface PongFrame {
  type: 'pong'
}

/** A frame the server could not answer as a `result` (not JSON, unknown type, no id). */
export interface ErrorFrame {
  type: 'error'
  error: { code: string; detail: string }
}

export type ServerFrame = ResultOk | ResultError | EventFrame | EphemeralFrame | SessionReadyFrame | PongFrame | ErrorFrame

// ---------------------------------------------------------------------------------------------
// Close codes

/**
 * Why the server closed the socket, and whether a client should reconnect. "Reconnect" means
 * reconnect with backoff and call `sync` with the last seq seen per conversation.
 */
export const CloseCode = {
  /** Server shutting down or restarting: reconnect (to another node). */
  GoingAway: 1001,
  /** Unexpected server error: reconnect. */
  ServerError: 1011,
  /** Token missing, invalid or expired: do not reconnect with the same token; get a new one. */
  Unauthorized: 4001,
  /** The Origin is not allowed: do not reconnect. */
  ForbiddenOrigin: 4003,
  /** The participant was deactivated or deleted: do not reconnect. */
  Deactivated: 4004,
  /** No `auth` frame in time after the upgrade: reconnect. */
  AuthTimeout: 4008,
  /** Too many frames per second, or a frame over the size limit: reconnect after backoff. */
  PolicyViolation: 4009,
  /** This client read too slowly and its outgoing buffer filled: reconnect and sync. */
  SlowConsumer: 4010,
  /** Silent longer than the idle timeout: reconnect. */
  IdleTimeout: 4011,
  /**
   * The protocol version the client stated is not one this server speaks: do not reconnect
   * (the same client would be refused again); upgrade the client or the server.
   */
  UnsupportedProtocol: 4012,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** Whether a client should reconnect after the server closed with `code`. */
export function shouldReconnect(code: number): boolean {
  return !([CloseCode.Unauthorized, CloseCode.ForbiddenOrigin, CloseCode.Deactivated, CloseCode.UnsupportedProtocol] as number[]).includes(code)
}
