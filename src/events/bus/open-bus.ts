import type { Bus, BusLog } from './bus.js'
import { MemoryBus } from './memory-bus.js'
import { NatsBus } from './nats-bus.js'

export interface OpenBusOptions {
  /** NATS_URL; when unset the bus is in-process. */
  natsUrl?: string
  /** Subject prefix on NATS, so clusters can share one server. Default `parley.`. */
  prefix?: string
  log: BusLog
  /** Connection name shown by NATS monitoring (e.g. the node's host:port). */
  name?: string
}

/**
 * The bus the configuration asks for: {@link NatsBus} when `natsUrl` is set, otherwise a
 * {@link MemoryBus}. Rejects when NATS is configured but unreachable at start: a node that
 * cannot reach its peers should not take traffic (it reconnects forever once it has started).
 */
export async function openBus(opts: OpenBusOptions): Promise<Bus> {
  if (!opts.natsUrl) return new MemoryBus({ log: opts.log })
  return NatsBus.connect({ url: opts.natsUrl, prefix: opts.prefix, log: opts.log, name: opts.name })
}
