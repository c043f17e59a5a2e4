import type { Logger } from 'pino'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamClient } from '@nats-io/jetstream'
import { natsServerOptions, parseNatsUrl, redactNatsUrl } from '../bus/nats-url.js'
import { ParleyError } from '../../ops/errors.js'
import { toDomainEvent } from './domain-event.js'
import { FencedPublisher } from './fenced-publisher.js'
import type { ConsumerDefinition } from './runner.js'

export interface JetStreamPublisherOptions {
  natsUrl: string
  log: Logger
  /** Stream name (PARLEY_EVENTS_STREAM, default PARLEY_EVENTS). */
  stream: string
  /** Subject prefix, with its trailing dot (PARLEY_EVENTS_SUBJECT_PREFIX, default `messaging.`). */
  subjectPrefix: string
  /** How long the stream keeps a message (PARLEY_EVENTS_MAX_AGE); 0 keeps them forever. */
  maxAgeMs: number
  /** Connection name, shown by NATS monitoring. */
  name?: string
  publishTimeoutMs?: number
}

/** Name of the durable consumer (its positions in consumer_positions). */
export const JETSTREAM_CONSUMER = 'jetstream'
const DUPLICATE_WINDOW_MS = 2 * 60_000
const ms2ns = (ms: number) => ms * 1_000_000

/**
 * Publishes every durable event to a JetStream stream, as a durable consumer of the log: at
 * least once, nothing skipped, resumed from the stored positions after a crash or an outage.
 *
 * Order: the runner hands this one conversation's events in seq order; they are sent at once,
 * without waiting for each ack, through a `FencedPublisher`, whose chain of expected last ids
 * makes the stream refuse anything sent after a message it did not store. So seq N is never
 * stored after N+1, and a batch costs one round trip instead of one per event. What failed is
 * retried by the runner; a retry of a message that did arrive is dropped by the stream's dedupe
 * (Nats-Msg-Id = `<conversationId>:<seq>`, window 2 minutes). Conversations are published in
 * parallel (the runner's concurrency), all into the one chain.
 */
export async function openJetStreamPublisher(opts: JetStreamPublisherOptions): Promise<{ definition: ConsumerDefinition; close(): Promise<void> }> {
  const target = parseNatsUrl(opts.natsUrl)
  let nc: NatsConnection
  try {
    nc = await connect({
      ...natsServerOptions(target),
      name: opts.name ?? 'parley-jetstream',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 5_000,
      pingInterval: 10_000,
      maxPingOut: 2,
      // Otherwise every request (each publish) builds two Errors up front for their stack
      // traces: about 7 % of the server's CPU under load, for a stack nobody reads.
      noAsyncTraces: true,
    })
  } catch (err) {
    throw new Error(`cannot connect to NATS at ${redactNatsUrl(opts.natsUrl)}: ${(err as Error).message}`, { cause: err })
  }
  const timeout = opts.publishTimeoutMs ?? 2_000
  const js: JetStreamClient = jetstream(nc, { timeout })
  const publisher = new FencedPublisher(js, timeout)
  let ready: Promise<void> | undefined

  /** Creates the stream when it is missing; an existing stream is left as it is configured. */
  const ensureStream = async () => {
    const jsm = await jetstreamManager(nc, { timeout })
    try {
      await jsm.streams.info(opts.stream)
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err
      await jsm.streams.add({
        name: opts.stream,
        subjects: [`${opts.subjectPrefix}>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: ms2ns(opts.maxAgeMs),
        duplicate_window: ms2ns(opts.maxAgeMs ? Math.min(DUPLICATE_WINDOW_MS, opts.maxAgeMs) : DUPLICATE_WINDOW_MS),
      })
      opts.log.info({ stream: opts.stream, subjects: `${opts.subjectPrefix}>` }, 'jetstream: created the stream')
    }
  }

  const maxPayload = () => nc.info?.max_payload ?? 1024 * 1024
  const definition: ConsumerDefinition = {
    name: JETSTREAM_CONSUMER,
    concurrency: 32,
    batchSize: 200,
    maxAttempts: 5,
    // Back on the stream within a second of NATS returning, however long it was away.
    backoff: { initialMs: 100, maxMs: 1_000 },
    // Only a message NATS can never take is the event's fault; everything else (NATS down,
    // timeouts, the stream missing or leaderless) is waited out, for as long as it lasts.
    countsAsAttempt: (err) => err instanceof ParleyError,
    async handle(events) {
      ready ??= ensureStream().catch((err) => {
        ready = undefined
        throw err
      })
      await ready
      const sends: Promise<unknown>[] = []
      let tooLarge: ParleyError | undefined
      for (const e of events.map(toDomainEvent)) {
        const payload = JSON.stringify(e)
        if (Buffer.byteLength(payload) > maxPayload()) {
          // What went before is sent; the runner then retries from here one event at a time,
          // so this one alone is counted and, in the end, skipped.
          tooLarge = new ParleyError('payload_too_large', `event ${e.id} is larger than NATS's max_payload`)
          break
        }
        sends.push(publisher.publish(opts.subjectPrefix + e.type, payload, e.id))
      }
      // Every send settles before the handler answers, so a retry never races its own batch.
      const failed = (await Promise.allSettled(sends)).find((r) => r.status === 'rejected')
      if (failed) {
        const err = failed.reason
        // The stream was deleted under us: create it again on the next try.
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) ready = undefined
        throw err
      }
      if (tooLarge) throw tooLarge
    },
  }
  return {
    definition,
    async close() {
      await nc.drain().catch(() => nc.close())
    },
  }
}
