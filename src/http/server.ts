import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { randomUUID } from 'node:crypto'
import type { Services } from '../ops/context.js'
import type { AnyOp } from '../ops/define-op.js'
import { pathParams } from '../ops/define-op.js'
import { invoke } from '../ops/invoke.js'
import { invalidField, notFound, toProblem } from '../ops/errors.js'
import { buildOpenApi } from './openapi.js'
import { buildAsyncApi } from './asyncapi.js'
import { fromFastify, fromStatus, sendProblem } from './problem.js'
import { registerMetricsRoute, type Metrics } from './metrics.js'
import { clientErrorHandler } from './client-errors.js'
import { MAX_NESTING, nestsDeeperThan, tooDeeplyNested } from '../lib/json-nesting.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    opId?: string
  }
}

const REQUEST_ID = /^[\w.:-]{1,64}$/

/**
 * Longest path parameter the router matches, before decoding. Participant ids are up to 128
 * characters, and each may be percent-encoded as 3 (`|` is `%7C`): 384, with room to spare.
 * Fastify's default (100) would answer 414 for ids the service accepts.
 */
const MAX_PARAM_LENGTH = 512

export interface HttpOptions {
  services: Services
  ops: readonly AnyOp[]
  metrics: Metrics
  version: string
}

/**
 * The HTTP transport: decode, authenticate, call the operation, encode. Thin on purpose —
 * validation, authorization and the work itself live in the operation.
 */
export async function buildHttp({ services, ops, metrics, version }: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.log as unknown as FastifyBaseLogger,
    bodyLimit: services.config.bodyLimit,
    // Requests are logged once, on response, by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Router errors (bad percent-encoding, an over-long segment) are problems like any other.
    frameworkErrors: (err, _req, reply) => void sendProblem(reply, fromFastify(err)),
    // Requests Node's parser refuses never reach a route: answered here, saying Connection: close.
    clientErrorHandler: clientErrorHandler(services.log as unknown as FastifyBaseLogger),
  })

  // JSON bodies only; an empty body is an empty object, so `POST …/get` needs no body.
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser(/^application\/(.+\+)?json$/, { parseAs: 'string' }, (_req, body, done) => {
    if (body === '' || body === undefined) return done(null, {})
    // Before anything looks at the text: a deep value would overflow any recursive walk.
    if (nestsDeeperThan(body as string, MAX_NESTING)) return done(tooDeeplyNested('body'), undefined)
    try {
      done(null, JSON.parse(body as string))
    } catch {
      done(invalidField('body', 'is not valid JSON'), undefined)
    }
  })

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', req.id)
    // An error some plugin answered with no body (@fastify/websocket's 404 for a plain GET of
    // the socket route) becomes a problem too: every error the service answers is one.
    if (reply.statusCode >= 400 && (payload === undefined || payload === null || payload === '')) {
      reply.type('application/problem+json')
      return JSON.stringify(toProblem(fromStatus(reply.statusCode, `${req.method} ${req.url.split('?')[0]}`)))
    }
    return payload
  })
  app.addHook('onResponse', async (req, reply) => {
    const op = req.routeOptions.config.opId ?? 'other'
    metrics.requests.inc({ op, status: reply.statusCode })
    metrics.latency.observe({ op }, reply.elapsedTime / 1000)
    // req.log already names the request (reqId); naming it again would repeat the key.
    const line = { op, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }
    if (reply.statusCode >= 500) req.log.error(line, 'request failed')
    else req.log.debug(line, 'request')
  })

  app.setErrorHandler((err, req, reply) => {
    const pe = fromFastify(err)
    if (pe.code === 'internal') req.log.error({ err }, 'unexpected error')
    return sendProblem(reply, pe)
  })
  app.setNotFoundHandler((req, reply) => sendProblem(reply, notFound(`${req.method} ${req.url.split('?')[0]}`)))

  for (const op of ops) {
    const params = pathParams(op.path)
    app.post(op.path.replace(/\{(\w+)\}/g, ':$1'), { config: { opId: op.id } }, async (req, reply) => {
      const input = mergeInput(req, params)
      const actor = await services.auth.authenticate(bearer(req))
      const { data, status } = await invoke(op, { services, actor, requestId: req.id, input })
      return reply.code(status).send(data)
    })
  }

  app.get('/v1/health', { config: { opId: 'health' } }, async (_req, reply) => {
    const t0 = performance.now()
    try {
      await services.db.ping()
      return { status: 'ok', version, storage: { kind: services.db.kind, ok: true, latencyMs: round(performance.now() - t0) } }
    } catch {
      return reply.code(503).send({ status: 'unavailable', version, storage: { kind: services.db.kind, ok: false } })
    }
  })
  registerMetricsRoute(app, metrics, services.config.metricsToken, bearer)

  // Built once, at startup, from the event catalogue: no checked-in copy to go stale.
  const asyncApi = JSON.stringify(buildAsyncApi(version))
  app.get('/docs/asyncapi.json', async (_req, reply) => reply.type('application/json').send(asyncApi))
  await app.register(swagger, { mode: 'static', specification: { document: buildOpenApi(ops, version) as never } })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  return app
}

const round = (n: number) => Math.round(n * 100) / 100

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (!h) return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
  return m?.[1] ?? ''
}

/** Body fields plus path parameters; a body may not set a field the path already names. */
function mergeInput(req: FastifyRequest, params: string[]): unknown {
  // No body at all is an empty object; a JSON null, array or scalar is not an object.
  const body = req.body === undefined ? {} : req.body
  if (typeof body !== 'object' || Array.isArray(body) || body === null) throw invalidField('body', 'must be a JSON object')
  const input: Record<string, unknown> = { ...(body as Record<string, unknown>) }
  for (const p of params) {
    if (p in input) throw invalidField(p, 'is given by the path and must not be in the body')
    input[p] = (req.params as Record<string, string>)[p]
  }
  return input
}

