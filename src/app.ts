import pino, { type Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import type { Db } from './store/db.js'
import { openStore } from './store/open.js'
import { ensureSearchIndexes } from './search/search.sql.js'
import { createAuthenticator } from './auth/authenticate.js'
import { loadOrCreateSecret } from './auth/secrets.js'
import { createLocalEventSink, type EventSink } from './events/event-sink.js'
import { SendQueue } from './messages/send-queue.js'
import { buildHttp } from './http/server.js'
import { createMetrics } from './http/metrics.js'
import { listenMetrics } from './http/metrics-server.js'
import { allOps } from './ops/registry.js'
import { RealtimeEngine } from './realtime/engine.js'
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { openBus, type Bus } from './events/bus/index.js'
import { publishCommittedEvents } from './events/publisher.js'
import { startNodeConsumers } from './events/consumers/index.js'
import { registerGateway } from './ws/gateway.js'
import type { Services } from './ops/context.js'

export const VERSION = '0.1.0'

export interface Parley {
  app: FastifyInstance
  services: Services
  /** The real-time engine (src/realtime/): delivery to every protocol adapter's sessions. */
  hub: RealtimeEngine
  /** Where the separate metrics listener (PARLEY_METRICS_PORT) listens, when there is one. */
  metricsUrl?: string
  /** True for each secret this start generated (printed once by main). */
  generated: { serverKey: boolean; jwtSecret: boolean }
  close(): Promise<void>
}

export interface ParleyOptions {
  log?: Logger
  /** An already open store (tests share one per file). */
  db?: Db
  events?: EventSink
  /** An already open bus (tests model several nodes in one process with a shared MemoryHub). */
  bus?: Bus
}

/** Composition root: config → store → event sink → send queue → auth → HTTP. */
export async function createParley(config: Config, opts: ParleyOptions = {}): Promise<Parley> {
  const log =
    opts.log ??
    pino({
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'token', 'apiKey', 'serverKey', '*.token', '*.apiKey'], censor: '[redacted]' },
    })
  const serverKey = loadOrCreateSecret(config.dataDir, 'server-key', config.serverKey, 'psk_')
  const jwtSecret = loadOrCreateSecret(config.dataDir, 'jwt-secret', config.jwtSecret)
  const db = opts.db ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize }))
  // The search indexes of the configured language (src/search/): built at the first start, checked after.
  await ensureSearchIndexes(db, { language: config.searchLanguage, enabled: config.searchIndex }).catch(async (err) => {
    if (!opts.db) await db.close()
    throw err
  })
  const events = opts.events ?? createLocalEventSink()
  const metrics = createMetrics()
  const sends = new SendQueue(db, events, {
    batchMax: config.sendBatchMax,
    // PGlite has one connection: parallel batches would only queue behind each other.
    concurrency: db.kind === 'pglite' ? 1 : config.sendConcurrency,
    onBatch: (n) => metrics.sendBatch.observe(n),
  })
  const auth = createAuthenticator(db, {
    serverKey: serverKey.value,
    jwtSecret: jwtSecret.value,
    jwksUrl: config.jwksUrl,
    jwksAlgorithms: config.jwksAlgorithms,
    audience: config.jwtAudience,
    issuer: config.jwtIssuer,
  })
  const node = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const bus = opts.bus ?? (await openBus({ natsUrl: config.natsUrl, prefix: config.natsPrefix, log, name: node }))
  // Committed events go out on the bus; every node's engine (this one included) takes them from there.
  const unsubscribe = publishCommittedEvents(events, bus)
  // Durable consumers of the log (the JetStream domain-event publisher), each on one node at a time.
  const consumers = await startNodeConsumers({ config, db, events, node, log, registry: metrics.registry })
  const hub = new RealtimeEngine(db, bus, log, { node, resyncMs: config.resyncIntervalMs, forget: (id) => auth.forget(id) })
  const services: Services = {
    config: { ...config, serverKey: serverKey.value, jwtSecret: jwtSecret.value },
    db,
    events,
    sends,
    auth,
    log,
    realtime: {
      revoke: (id, reason) => hub.revoke(id, reason),
      typing: (conversationId, participantId, expiresAt) => hub.typing(conversationId, participantId, expiresAt),
      delivered: (conversationId, participantId, seq) => hub.announceDelivery(conversationId, participantId, seq),
      presenceOf: (id) => hub.presenceOf(id),
    },
  }
  const app = await buildHttp({ services, ops: allOps, metrics, version: VERSION })
  await registerGateway(app, services, hub)
  // Last, so that nothing after it can fail and leave the port bound.
  const metricsListener =
    config.metricsPort === undefined ? undefined : await listenMetrics(metrics, config.metricsHost, config.metricsPort, app.log)
  return {
    app,
    services,
    hub,
    metricsUrl: metricsListener?.url,
    generated: { serverKey: serverKey.generated, jwtSecret: jwtSecret.generated },
    async close() {
      unsubscribe()
      await consumers.close()
      await metricsListener?.close()
      hub.close()
      await app.close()
      if (!opts.bus) await bus.close()
      await sends.close()
      if (!opts.db) await db.close()
    },
  }
}
