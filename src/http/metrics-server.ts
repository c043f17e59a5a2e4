import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import { notFound, toParleyError, toProblem, type ParleyError } from '../ops/errors.js'
import { clientErrorHandler } from './client-errors.js'
import type { Metrics } from './metrics.js'

export interface MetricsListener {
  /** Where it listens, e.g. `http://127.0.0.1:9464`; the metrics are at `<url>/metrics`. */
  url: string
  close(): Promise<void>
}

/**
 * The separate metrics listener (PARLEY_METRICS_PORT): GET /metrics and nothing else, no token,
 * on an address of its own (loopback by default) that only the scraper can reach. A plain
 * node:http server — it has one route, and none of the API's pipeline belongs on it.
 */
export async function listenMetrics(metrics: Metrics, host: string, port: number, log: FastifyBaseLogger): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return problem(res, notFound(`${req.method} ${req.url?.split('?')[0]}`))
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err) => {
        log.error({ err }, 'could not collect metrics')
        problem(res, toParleyError(err))
      },
    )
  })
  server.on('clientError', clientErrorHandler(log))
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()))
  const { address, family, port: bound } = server.address() as AddressInfo
  return {
    url: `http://${family === 'IPv6' ? `[${address}]` : address}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        // A scraper's kept-alive connection must not hold the shutdown open.
        server.closeAllConnections()
      }),
  }
}

function problem(res: ServerResponse, err: ParleyError): void {
  const body = toProblem(err)
  res.writeHead(body.status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(body))
}
