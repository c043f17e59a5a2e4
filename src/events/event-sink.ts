import { EventEmitter } from 'node:events'
import type { StoredEvent } from './event-types.js'

/**
 * Where committed events go. Called after COMMIT with the events of one transaction, in seq
 * order per conversation. The real-time gateway and the bus subscribe here.
 */
export interface EventSink {
  committed(events: StoredEvent[]): void
  subscribe(listener: (events: StoredEvent[]) => void): () => void
}

/** In-process sink: synchronous fan-out to listeners in this node. */
export function createLocalEventSink(): EventSink {
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  return {
    committed: (events) => void emitter.emit('events', events),
    subscribe(listener) {
      emitter.on('events', listener)
      return () => void emitter.off('events', listener)
    },
  }
}
