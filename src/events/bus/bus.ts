/**
 * The bus: fire-and-forget fan-out of small messages between the nodes of one Parley
 * cluster. It is the fast path only. The event log in the database is the truth; whoever
 * follows a subject must be able to re-read the log to fill a gap (docs/bus.md).
 *
 * Two implementations sit side by side and pass the same contract suite
 * (bus-contract.test.ts): {@link MemoryBus} for one process, {@link NatsBus} for many nodes
 * over core NATS. Choose with {@link openBus}.
 *
 * @example
 * ```ts
 * const bus = await openBus({ natsUrl: config.natsUrl, log })
 * const off = bus.subscribe('conv.c_1', (payload) => deliver(JSON.parse(payload)))
 * await bus.flush() // the subscription is now live on every node
 * bus.publish('conv.c_1', JSON.stringify(event)) // serialized once, whatever the fan-out
 * off()
 * await bus.close()
 * ```
 */
export interface Bus {
  readonly kind: 'memory' | 'nats'

  /**
   * Publishes one payload on a literal subject (no wildcards; see subjects.ts). Returns at
   * once and never throws for a transport reason: a payload that cannot be sent (too large,
   * connection closed, buffer full while reconnecting) is logged and dropped. Throws a
   * TypeError for an invalid subject, which is a programming error. After close() it does
   * nothing.
   *
   * The payload is a string the caller serialized once; every subscriber on every node gets
   * that same string. Messages from one bus on one subject reach each subscriber in publish
   * order.
   */
  publish(subject: string, payload: string): void

  /**
   * Calls `handler` for each message published on a subject matching `pattern` (NATS
   * wildcards: `*` one token, `>` one or more trailing tokens), from any node including
   * this one. Returns the unsubscribe function (idempotent); after it returns, `handler` is
   * not called again.
   *
   * Handlers are never called inside `publish` (delivery is asynchronous on both
   * implementations) and run one at a time. A handler that throws is logged; other
   * handlers and later messages are unaffected.
   *
   * The subscription is live on this node at once and on every node once `flush()`
   * resolves: subscribe, flush, then read the event log, and nothing falls in between.
   * Subscribing on a closed bus returns a no-op unsubscribe.
   */
  subscribe(pattern: string, handler: BusHandler): () => void

  /**
   * Resolves when every publish and subscribe made so far has reached the broker (a NATS
   * round trip). On the memory bus it resolves once every message already published has
   * been handed to its handlers. Rejects only if the connection closes first.
   */
  flush(): Promise<void>

  /**
   * Calls `listener` whenever this node may have missed messages: after the connection to
   * the broker was lost and then restored. Whoever follows subjects should re-read the
   * event log for them. Never called by the memory bus. Returns the removal function.
   */
  onReconnect(listener: () => void): () => void

  /**
   * Stops delivery at once (no handler is called once close() has been entered), sends what
   * was published before it (NATS drain), and releases the connection. Idempotent.
   */
  close(): Promise<void>
}

/** Receives the payload string as published, and the subject it was published on (without the prefix). */
export type BusHandler = (payload: string, subject: string) => void

/** What the bus logs through: pino's Logger satisfies it. */
export interface BusLog {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** Largest payload accepted by default: 1 MiB, NATS's default `max_payload`. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024
