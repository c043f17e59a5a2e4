import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Config } from '../../config.js'
import type { Db } from '../../store/db.js'
import type { EventSink } from '../event-sink.js'
import { openJetStreamPublisher } from './jetstream.js'
import { consumerLagMetrics } from './lag-metrics.js'
import { ConsumerRunner } from './runner.js'

export { ConsumerRunner, type ConsumerDefinition, type RunnerOptions } from './runner.js'
export { consumerLagMetrics } from './lag-metrics.js'

export interface NodeConsumers {
  runners: ConsumerRunner[]
  close(): Promise<void>
}

/**
 * The durable consumers a node runs (each is active on one node of the cluster at a time):
 * today the JetStream domain-event publisher, when NATS_URL is set and PARLEY_EVENTS_PUBLISH
 * is not off.
 */
export async function startNodeConsumers(opts: { config: Config; db: Db; events: EventSink; node: string; log: Logger; registry: Registry }): Promise<NodeConsumers> {
  const { config } = opts
  const runners: ConsumerRunner[] = []
  const closers: Array<() => Promise<void>> = []
  if (config.natsUrl && config.eventsPublish) {
    const publisher = await openJetStreamPublisher({
      natsUrl: config.natsUrl,
      log: opts.log,
      stream: config.eventsStream,
      subjectPrefix: config.eventsSubjectPrefix,
      maxAgeMs: config.eventsMaxAgeMs,
      name: `${opts.node}:jetstream`,
    })
    closers.push(publisher.close)
    runners.push(new ConsumerRunner(publisher.definition, { db: opts.db, node: opts.node, log: opts.log, sink: opts.events, lag: consumerLagMetrics(opts.registry) }).start())
  }
  return {
    runners,
    async close() {
      await Promise.all(runners.map((r) => r.close()))
      for (const c of closers) await c()
    },
  }
}
