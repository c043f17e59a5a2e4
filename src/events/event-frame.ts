import type { EventFrame } from '../protocol/frames.js'
import type { StoredEvent } from './event-types.js'

/** A committed event as clients see it: live over the socket and replayed by `sync`, one shape. */
export const toEventFrame = (e: StoredEvent): EventFrame => ({
  type: 'event',
  event: e.type,
  conversationId: e.conversationId,
  seq: e.seq,
  actorId: e.actorId,
  createdAt: e.createdAt,
  data: e.data,
})
