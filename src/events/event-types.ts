/** Durable event names (API.md, Real time). Each takes its conversation's next seq. */
export type EventType =
  | 'conversation.created'
  | 'conversation.updated'
  | 'member.added'
  | 'member.removed'
  | 'member.updated'
  | 'message.created'
  | 'message.updated'
  | 'message.deleted'
  | 'reaction.added'
  | 'reaction.removed'
  | 'message.pinned'
  | 'message.unpinned'
  | 'read.updated'

/** An event to append; its seq is assigned under the conversation's row lock. */
export interface NewEvent {
  type: EventType
  actorId: string | null
  data: Record<string, unknown>
}

/** An event as committed to the log. */
export interface StoredEvent extends NewEvent {
  conversationId: string
  seq: number
  createdAt: string
}
