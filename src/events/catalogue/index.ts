import type { Static } from '@sinclair/typebox'
import type { EventDefinition, MembershipEffect } from './define.js'
import { conversationCreated, conversationUpdated } from './conversation.events.js'
import { memberAdded, memberRemoved, memberUpdated } from './member.events.js'
import { messageCreated, messageDeleted, messagePinned, messageUnpinned, messageUpdated, reactionAdded, reactionRemoved } from './message.events.js'
import { readUpdated, threadReadUpdated } from './read.events.js'
import { delivery, presence, typing } from './ephemeral.events.js'

/**
 * The event catalogue: every event Parley emits, defined once. The append path's types, the
 * test harness's payload check, the SDK's generated event types and the AsyncAPI document all
 * derive from these lists. To add an event: define it in the file of its family, list it here,
 * run `npm run gen:client` (docs/event-log.md).
 */
export const durableEvents = [
  conversationCreated,
  conversationUpdated,
  memberAdded,
  memberRemoved,
  memberUpdated,
  messageCreated,
  messageUpdated,
  messageDeleted,
  reactionAdded,
  reactionRemoved,
  messagePinned,
  messageUnpinned,
  readUpdated,
  threadReadUpdated,
] as const

export const ephemeralEvents = [typing, delivery, presence] as const

export const allEvents: readonly EventDefinition[] = [...durableEvents, ...ephemeralEvents]

type Durable = (typeof durableEvents)[number]
type Ephemeral = (typeof ephemeralEvents)[number]

/** Durable event names. Each takes its conversation's next seq. */
export type EventType = Durable['type']
export type EphemeralEventType = Ephemeral['type']

/** `data` of a durable event, by name. */
export type EventData<T extends EventType> = Static<Extract<Durable, { type: T }>['data']>
export type EphemeralEventData<T extends EphemeralEventType> = Static<Extract<Ephemeral, { type: T }>['data']>

/** An event to append, discriminated on `type`: a payload not of the catalogue is a compile error. */
export type NewEvent = { [T in EventType]: { type: T; actorId: string | null; data: EventData<T> } }[EventType]

const byType = new Map<string, EventDefinition>(allEvents.map((d) => [d.type, d]))

export function eventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type)
}

const NONE: MembershipEffect = Object.freeze({ added: [], removed: [] }) as MembershipEffect

/**
 * Whom an event adds to and removes from its conversation, as its catalogue entry declares
 * (conversation.created and member.added add, member.removed removes). Takes the loose shape
 * events have on the bus and in the log; the payload was validated by type when appended.
 */
export function membershipEffect(event: { type: string; data: unknown }): MembershipEffect {
  const def = byType.get(event.type)
  return def?.membership ? def.membership(event.data as never) : NONE
}

/** The conversation type an event states (conversation.created does), as its catalogue entry declares; else undefined. */
export function conversationTypeOf(event: { type: string; data: unknown }): string | undefined {
  return byType.get(event.type)?.conversationType?.(event.data as never)
}

export type { EventDefinition, MembershipEffect } from './define.js'
// validateEvent is in validate.ts, which reads this list: importing it from there keeps the two acyclic.
