import type { FastifyInstance, FastifyRequest } from 'fastify'
import websocket from '@fastify/websocket'
import type { WebSocket } from 'ws'
import type { Services } from '../ops/context.js'
import { findOp } from '../ops/registry.js'
import { invoke } from '../ops/invoke.js'
import { invalidField, notFound, toParleyError, type ParleyError } from '../ops/errors.js'
import { CloseCode, PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from '../protocol/frames.js'
import type { RealtimeEngine } from '../realtime/engine.js'
import { Session } from './session.js'
import { deepFrameAnswer } from './frame-nesting.js'
import { stillValid } from './revocation.js'
import { protocolSupported } from './protocol-version.js'
import { nativeEncoder } from './encoder.js'

const CALL_ID = /^[\w.:-]{1,64}$/

/**
 * The native WebSocket adapter, `GET /v1/ws`: authenticate, then `call` frames run operations
 * through the same definitions as HTTP, and the real-time engine pushes the events of the
 * participant's conversations, encoded by this adapter's encoder. Thin on purpose, like the
 * HTTP transport: no SQL and no delivery logic here.
 */
export async function registerGateway(app: FastifyInstance, services: Services, engine: RealtimeEngine): Promise<void> {
  const c = services.config
  engine.encoders.register(nativeEncoder)
  await app.register(websocket, { options: { maxPayload: c.wsMaxFrameBytes } })
  const limits = { idleTimeoutMs: c.wsIdleTimeoutMs, framesPerSecond: c.wsFramesPerSecond, maxBufferedBytes: c.wsMaxBufferedBytes }

  app.get('/v1/ws', { websocket: true, config: { opId: 'ws' } }, (socket: WebSocket, req: FastifyRequest) => {
    const session = new Session(socket, limits, (s) => {
      if (s.actor) engine.detach(s)
    })
    if (!originAllowed(req, c.allowedOrigins, c.publicUrl)) return session.close(CloseCode.ForbiddenOrigin, 'origin not allowed')
    const unsupported = () => session.close(CloseCode.UnsupportedProtocol, `unsupported protocol version; this server speaks ${PROTOCOL_VERSION}`)
    if (!protocolSupported((req.query as { protocol?: unknown }).protocol)) return unsupported()

    let ready = false
    const queued: string[] = []
    const start = async (token: string) => {
      try {
        const revocationsSeen = engine.revocations
        const { actor, expiresAt } = await services.auth.authenticateSession(token)
        if (!session.authenticated(actor, token)) return session.close(CloseCode.Unauthorized, 'the server key cannot open a session')
        closeAtExpiry(session, expiresAt)
        // The engine reads the memberships, closes the gap between authenticating and attaching,
        // and calls back before it delivers anything, so that session.ready comes first.
        const attached = await engine.attach(session, {
          revocationsSeen,
          recheck: () => stillValid(services.auth, session),
          ready: (summary) =>
            session.send({
              type: 'session.ready',
              protocol: PROTOCOL_VERSION,
              sessionId: session.id,
              participant: { id: actor.id, kind: actor.kind },
              unread: summary.unread,
              limits: { maxFrameBytes: c.wsMaxFrameBytes, framesPerSecond: c.wsFramesPerSecond, idleTimeoutMs: c.wsIdleTimeoutMs },
            }),
        })
        if (!attached) return
        ready = true
        for (const raw of queued.splice(0)) handle(raw)
      } catch (err) {
        const e = toParleyError(err)
        session.close(e.code === 'unauthorized' ? CloseCode.Unauthorized : CloseCode.ServerError, e.detail.slice(0, 120))
      }
    }

    const authTimer = setTimeout(() => {
      if (!session.actor) session.close(CloseCode.AuthTimeout, 'no auth frame in time')
    }, c.wsAuthTimeoutMs)
    authTimer.unref()
    const token = (req.query as { token?: unknown }).token
    let authStarted = typeof token === 'string'
    if (authStarted) void start(token as string)

    const onFrame = async (raw: string) => {
      if (!session.admit()) {
        session.close(CloseCode.PolicyViolation, 'too many frames per second')
        return
      }
      // Nesting is refused on the text, before JSON.parse and every walk over the value after it.
      const deep = deepFrameAnswer(raw)
      if (deep) return session.send(deep)
      let frame: ClientFrame
      try {
        frame = JSON.parse(raw)
        if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') throw new Error()
      } catch {
        return session.send({ type: 'error', error: { code: 'validation_failed', detail: 'a frame must be a JSON object with a type' } })
      }
      if (frame.type === 'ping') return session.send({ type: 'pong' })
      if (frame.type === 'auth') {
        if (authStarted) return session.send({ type: 'error', error: { code: 'validation_failed', detail: 'already authenticated' } })
        authStarted = true
        if (!protocolSupported(frame.protocol)) return unsupported()
        // A client's frame may hold anything: only a string is a token (String() of an object can throw).
        return void start(typeof frame.token === 'string' ? frame.token : '')
      }
      if (!ready) {
        if (authStarted) return void queued.push(raw)
        return session.close(CloseCode.Unauthorized, 'authenticate first')
      }
      if (frame.type === 'call') return call(frame)
      session.send({ type: 'error', error: { code: 'validation_failed', detail: `unknown frame type ${String((frame as { type: unknown }).type).slice(0, 40)}` } })
    }

    // A frame handler that throws must end this socket, never the process (an unhandled rejection would).
    const handle = (raw: string) =>
      onFrame(raw).catch((err) => {
        services.log.error({ err }, 'unexpected error handling a socket frame')
        session.close(CloseCode.ServerError, 'unexpected error')
      })

    const call = async (frame: Extract<ClientFrame, { type: 'call' }>) => {
      if (typeof frame.id !== 'string' || !CALL_ID.test(frame.id)) {
        return session.send({ type: 'error', error: { code: 'validation_failed', detail: 'a call needs an id of 1–64 characters' } })
      }
      let answer: ServerFrame
      try {
        // The actor was captured at connect. A credential revoked since (even where the close
        // message never arrived) closes the socket instead, and nothing more is answered.
        if (!(await stillValid(services.auth, session))) return
        if (typeof frame.op !== 'string') throw invalidField('op', 'must be the id of an operation')
        const op = findOp(frame.op)
        if (!op) throw notFound(`operation ${frame.op.slice(0, 64)}`)
        const { data } = await invoke(op, { services, actor: session.actor!, requestId: `${session.id}:${frame.id}`, input: frame.data ?? {} })
        answer = { type: 'result', id: frame.id, ok: true, data }
      } catch (err) {
        const e: ParleyError = toParleyError(err)
        if (e.code === 'internal') services.log.error({ err, op: frame.op }, 'unexpected error in a socket call')
        answer = { type: 'result', id: frame.id, ok: false, error: { code: e.code, detail: e.detail, ...(e.options.errors ? { errors: e.options.errors } : {}), retryable: e.retryable } }
      }
      session.send(answer)
    }

    socket.on('message', (data, isBinary) => {
      if (isBinary) return session.send({ type: 'error', error: { code: 'validation_failed', detail: 'frames are JSON text' } })
      handle(data.toString())
    })
  })
}

/**
 * A socket opened with a user token lives no longer than the token: at its expiry (as the
 * authenticator read it) the socket is closed with Unauthorized, and the client reconnects with
 * a fresh token (and syncs). Agent keys have no expiry: they live until rotated or deleted.
 */
function closeAtExpiry(session: Session, expiresAt: number | undefined): void {
  if (expiresAt === undefined) return
  const timer = setTimeout(() => session.close(CloseCode.Unauthorized, 'the token has expired'), Math.min(expiresAt - Date.now(), 2 ** 31 - 1))
  timer.unref()
  session.onEnd(() => clearTimeout(timer))
}

/**
 * No Origin (non-browser clients), the service's own origin and PARLEY_ALLOWED_ORIGINS are
 * allowed. The own origin is PARLEY_PUBLIC_URL's, never taken from Host: a DNS-rebinding page
 * sends its own name as both Host and Origin. Without a public URL, Host counts only when it is
 * a loopback name (the development default): a page can only send that Host if the browser
 * itself was pointed at loopback, which a rebinding page's name never is.
 */
function originAllowed(req: FastifyRequest, allowed: string[], publicUrl: string | undefined): boolean {
  const origin = req.headers.origin
  if (!origin) return true
  if (allowed.includes(origin) || allowed.includes('*')) return true
  if (publicUrl) return origin === new URL(publicUrl).origin
  const host = req.headers.host
  if (!host || !URL.canParse(`http://${host}`) || !URL.canParse(origin)) return false
  const own = new URL(`http://${host}`)
  const from = new URL(origin)
  const loopback = own.hostname === 'localhost' || own.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(own.hostname)
  return loopback && from.host === own.host && (from.protocol === 'http:' || from.protocol === 'https:')
}

