import { loadConfig } from './config.js'
import { createParley } from './app.js'

/** Starts one Parley node from the environment and stops it cleanly on SIGINT/SIGTERM. */
async function main() {
  const config = loadConfig()
  const parley = await createParley(config)
  const { app, services, generated } = parley
  const address = await app.listen({ host: config.host, port: config.port })
  const storage = services.db.kind === 'pglite' ? `PGlite in ${config.dataDir}` : 'PostgreSQL'
  const lines = [
    `Parley listening on ${address} (storage: ${storage})`,
    `API reference: ${address}/docs`,
    ...(parley.metricsUrl ? [`Metrics: ${parley.metricsUrl}/metrics`] : []),
    ...(config.metricsToken ? [`Metrics: ${address}/metrics with PARLEY_METRICS_TOKEN as a bearer`] : []),
    ...(parley.metricsUrl || config.metricsToken ? [] : ['Metrics: off (set PARLEY_METRICS_PORT or PARLEY_METRICS_TOKEN)']),
    generated.serverKey
      ? `Server key (generated, kept in ${config.dataDir}/server-key; shown once): ${services.config.serverKey}`
      : config.serverKey
        ? 'Server key: from PARLEY_SERVER_KEY'
        : `Server key: in ${config.dataDir}/server-key`,
  ]
  process.stdout.write(lines.join('\n') + '\n')

  // Every request and frame handler catches its own errors; one that slips through is a bug to
  // log, not a reason to drop every connection and every queued send of this node.
  process.on('unhandledRejection', (err) => services.log.error({ err }, 'unhandled rejection'))

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    services.log.info({ signal }, 'stopping')
    await parley.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((err) => {
  process.stderr.write(`Parley failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
