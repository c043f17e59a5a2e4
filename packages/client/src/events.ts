import type { GetConversationOutput, SendMessageOutput } from './ops.gen.js'

/** A message as the server shows it (the output of send-message and get-message). */
export type Message = SendMessageOutput
export type Conversation = GetConversationOutput

/**
 * `data` of each durable event, as the server emits it (see the ops' descriptions in /docs).
 * Events not named precisely here carry a JSON object.
 */
export interface DurableEventData {
  'message.created': Message
  'message.updated': Record<string, unknown>
  'message.deleted': Record<string, unknown>
  'reaction.added': Record<string, unknown>
  'reaction.removed': Record<string, unknown>
  'message.pinned': Record<string, unknown>
  'message.unpinned': Record<string, unknown>
  'conversation.created': { conversation: Record<string, unknown>; members: { id: string; role: string; canPost: boolean }[] }
  'conversation.updated': { changes: Record<string, unknown>; conversation: Record<string, unknown> }
  'member.added': { member: Record<string, unknown> & { id: string }; by: string | null }
  'member.removed': { memberId: string; by: string | null; reason: 'left' | 'removed' }
  'member.updated': { member: Record<string, unknown> & { id: string }; changes: Record<string, unknown> }
  'read.updated': { userId: string; lastReadSeq: number }
}
export type DurableEventName = keyof DurableEventData

/**
 * A durable event as delivered to the app: exactly once per (conversationId, seq), in seq
 * order per conversation. `source` says whether it came live or was replayed by `sync`.
 */
export interface ParleyEvent<N extends DurableEventName = DurableEventName> {
  event: N
  conversationId: string
  seq: number
  actorId: string | null
  createdAt: string
  data: DurableEventData[N]
  source: 'live' | 'sync'
}

/** Every durable event, as a union discriminated on `event`. */
export type AnyParleyEvent = { [N in DurableEventName]: ParleyEvent<N> }[DurableEventName]

/** An ephemeral event (`typing`, `presence`, `delivery`): never stored, never replayed, not de-duplicated. */
export interface EphemeralEvent<N extends 'typing' | 'presence' | 'delivery' = 'typing' | 'presence' | 'delivery'> {
  event: N
  conversationId?: string
  data: Record<string, unknown>
}

/** Positions: conversation id → last seq delivered to the app. Persist them; pass them back on start. */
export type Positions = Record<string, number>
