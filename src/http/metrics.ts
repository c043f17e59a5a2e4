import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { secretMatcher } from '../auth/keys.js'
import { unauthorized } from '../ops/errors.js'

/** Prometheus metrics of one node, served at GET /metrics (see `registerMetricsRoute`, metrics-server.ts). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'parley_' })
  return {
    registry,
    requests: new Counter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests by operation and status',
      labelNames: ['op', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request latency by operation',
      labelNames: ['op'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    sendBatch: new Histogram({
      name: 'parley_send_batch_size',
      help: 'Messages committed per group-commit transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>

/**
 * GET /metrics on the main port, only with PARLEY_METRICS_TOKEN as a bearer: the metrics name
 * every operation and its traffic, which is nobody's business but the operator's. Without a
 * token the route does not exist (404, like any unknown path); PARLEY_METRICS_PORT serves them
 * on a listener of their own instead.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined, bearer: (req: FastifyRequest) => string | undefined): void {
  if (!token) return
  const isToken = secretMatcher(token)
  app.get('/metrics', { config: { opId: 'metrics' } }, async (req, reply) => {
    const given = bearer(req)
    if (!given || !isToken(given)) throw unauthorized('GET /metrics needs the metrics token as a bearer')
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
}
