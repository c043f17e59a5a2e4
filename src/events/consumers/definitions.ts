import type { Logger } from 'pino'
import type { Config } from '../../config.js'
import { openJetStreamPublisher } from './jetstream.js'
import type { ConsumerDefinition } from './runner.js'

/** The consumers this deployment runs, opened (their connections made), with how to close them. */
export interface OpenedConsumers {
  definitions: ConsumerDefinition[]
  close(): Promise<void>
}

/**
 * Opens every durable consumer the configuration asks for: today the JetStream domain-event
 * publisher, when NATS_URL is set and PARLEY_EVENTS_PUBLISH is not off. One list, whether the
 * consumers then run on the node's main thread or in its consumer thread.
 */
export async function openConsumers(config: Config, node: string, log: Logger): Promise<OpenedConsumers> {
  const definitions: ConsumerDefinition[] = []
  const closers: Array<() => Promise<void>> = []
  if (config.natsUrl && config.eventsPublish) {
    const publisher = await openJetStreamPublisher({
      natsUrl: config.natsUrl,
      log,
      stream: config.eventsStream,
      subjectPrefix: config.eventsSubjectPrefix,
      maxAgeMs: config.eventsMaxAgeMs,
      name: `${node}:jetstream`,
    })
    definitions.push(publisher.definition)
    closers.push(publisher.close)
  }
  return {
    definitions,
    async close() {
      for (const c of closers) await c()
    },
  }
}

/** Whether the configuration has any consumer to run. */
export const wantsConsumers = (config: Config): boolean => Boolean(config.natsUrl && config.eventsPublish)
