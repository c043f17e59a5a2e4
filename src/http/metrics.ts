import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics of one node, served at GET /metrics. */
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
