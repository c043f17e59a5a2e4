import { Gauge, type Registry } from 'prom-client'

/** What a runner reports after each pass over its pending conversations. */
export interface LagReporter {
  report(consumer: string, events: number, seconds: number): void
  /** This node stopped running the consumer: only the owner's node reports its lag. */
  clear(consumer: string): void
}

/**
 * `parley_consumer_lag_events{consumer}`: committed events not yet handled; and
 * `parley_consumer_lag_seconds{consumer}`: age of the oldest of them (0 when caught up).
 * Registered in the node's registry; only the node that owns a consumer has its series, so a
 * sum over nodes is the lag.
 */
export function consumerLagMetrics(registry: Registry): LagReporter {
  // One set of gauges per registry, however many runners a node has.
  const existing = registry.getSingleMetric('parley_consumer_lag_events') as Gauge<'consumer'> | undefined
  const events =
    existing ??
    new Gauge({ name: 'parley_consumer_lag_events', help: 'Committed events a durable consumer has not handled yet', labelNames: ['consumer'] as const, registers: [registry] })
  const seconds =
    (registry.getSingleMetric('parley_consumer_lag_seconds') as Gauge<'consumer'> | undefined) ??
    new Gauge({ name: 'parley_consumer_lag_seconds', help: 'Age of the oldest committed event a durable consumer has not handled yet', labelNames: ['consumer'] as const, registers: [registry] })
  return {
    report(consumer, n, s) {
      events.set({ consumer }, n)
      seconds.set({ consumer }, s)
    },
    clear(consumer) {
      events.remove({ consumer })
      seconds.remove({ consumer })
    },
  }
}

export const noLagReporter: LagReporter = { report() {}, clear() {} }
