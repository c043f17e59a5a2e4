import type { GetConversationOutput, SendMessageOutput } from './ops.gen.js'
import type { DurableEventData, DurableEventName, EphemeralEventData, EphemeralEventName } from './events.gen.js'

/** A message as the server shows it (the output of send-message and get-message). */
export type Message = SendMessageOutput
export type Conversation = GetConversationOutput

/**
 * `data` of each event, by name, generated from the server's event catalogue (events.gen.ts):
 * exactly the payloads the server validates its events against.
 */
export type { DurableEventData, DurableEventName, EphemeralEventData, EphemeralEventName } from './events.gen.js'
export type { AnyEventFrame, DurableEventFrame, EphemeralEventFrame } from './events.gen.js'

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

/**
 * An ephemeral event (`typing`, `presence`, `delivery`): never stored, never replayed, not
 * de-duplicated. `presence` is about a participant and has no conversationId.
 */
export interface EphemeralEvent<N extends EphemeralEventName = EphemeralEventName> {
  event: N
  conversationId?: string
  data: EphemeralEventData[N]
}

/** Every ephemeral event, as a union discriminated on `event`. */
export type AnyEphemeralEvent = { [N in EphemeralEventName]: EphemeralEvent<N> }[EphemeralEventName]

/** Positions: conversation id → last seq delivered to the app. Persist them; pass them back on start. */
export type Positions = Record<string, number>
