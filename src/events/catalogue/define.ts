import type { Static, TSchema } from '@sinclair/typebox'

/** Whom an event brings into, or takes out of, its conversation's membership. */
export interface MembershipEffect {
  added: string[]
  removed: string[]
}

/**
 * One event of the catalogue: its name, its payload schema (which gives validation, the static
 * type and the docs at once), a worked example, and — for the few events that change who is in
 * the conversation — its membership effect. Durable events take a seq in the conversation's log;
 * ephemeral ones are fanned out to connected sockets and never stored.
 */
export interface EventDefinition<T extends string = string, S extends TSchema = TSchema> {
  type: T
  kind: 'durable' | 'ephemeral'
  /** One line for the docs: what happened. */
  summary: string
  /** Who emits it and when, for the docs. */
  description: string
  data: S
  /** Ephemeral events only: `participant` when the event is about someone, not a conversation (its frame has no conversationId). */
  scope?: 'conversation' | 'participant'
  /** At least one payload a client could receive; checked against `data` by the catalogue test. */
  examples: [Static<S>, ...Static<S>[]]
  /**
   * Only for events that change membership: whom they add and remove. Absent = neither. A
   * method (bivariant), so every entry fits the catalogue's plain `EventDefinition` list.
   */
  membership?(data: Static<S>): MembershipEffect
  /**
   * Only for events that state the type of their conversation (dm, group, channel): reads it,
   * so that code which routes events (the real-time engine) never looks into a payload.
   */
  conversationType?(data: Static<S>): string | undefined
}

/**
 * Defines a catalogue entry. Generic over the literal type and the schema so that the
 * catalogue's union of `{ type, data }` stays precise (type → data's static type).
 */
export const defineEvent = <const T extends string, S extends TSchema>(def: EventDefinition<T, S>): EventDefinition<T, S> => def
