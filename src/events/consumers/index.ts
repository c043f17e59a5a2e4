import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Config } from '../../config.js'
import type { Db } from '../../store/db.js'
import type { EventSink } from '../event-sink.js'
import { openConsumers, wantsConsumers } from './definitions.js'
import { consumerLagMetrics } from './lag-metrics.js'
import { ConsumerRunner } from './runner.js'
import { startConsumerThread } from './thread.js'

export { ConsumerRunner, type ConsumerDefinition, type RunnerOptions } from './runner.js'
export { consumerLagMetrics } from './lag-metrics.js'

export interface NodeConsumers {
  /** Runners on the main thread (PGlite); empty when they run in the consumer thread. */
  runners: ConsumerRunner[]
  /** Whether the consumers run in a thread of their own. */
  threaded: boolean
  close(): Promise<void>
}

/**
 * The durable consumers a node runs (each is active on one node of the cluster at a time):
 * today the JetStream domain-event publisher, when NATS_URL is set and PARLEY_EVENTS_PUBLISH
 * is not off. On PostgreSQL they run in a thread of their own (thread.ts), off the thread that
 * serves requests; on PGlite, whose database lives in the main thread, they run there.
 */
export async function startNodeConsumers(opts: { config: Config; db: Db; events: EventSink; node: string; log: Logger; registry: Registry }): Promise<NodeConsumers> {
  const { config } = opts
  if (!wantsConsumers(config)) return { runners: [], threaded: false, close: async () => {} }
  const lag = consumerLagMetrics(opts.registry)
  if (opts.db.kind === 'postgres' && config.databaseUrl) {
    const thread = await startConsumerThread({ config, node: opts.node, log: opts.log, events: opts.events, lag })
    return { runners: [], threaded: true, close: () => thread.close() }
  }
  const opened = await openConsumers(config, opts.node, opts.log)
  const runners = opened.definitions.map((def) => new ConsumerRunner(def, { db: opts.db, node: opts.node, log: opts.log, sink: opts.events, lag }).start())
  return {
    runners,
    threaded: false,
    async close() {
      await Promise.all(runners.map((r) => r.close()))
      await opened.close()
    },
  }
}
