/**
 * Who is calling, in a module of its own: authentication produces an Actor and every layer
 * below the transports reads one, so it must not pull in what the operation context brings
 * (the services, and through them the send queue and the authenticator itself).
 */

/** Who is calling. The server key has no participant identity; users and agents do. */
export type Actor =
  | { kind: 'server' }
  | { kind: 'user'; id: string }
  | { kind: 'agent'; id: string; ownerId: string }

export type CallerKind = Actor['kind']
export type ParticipantActor = Exclude<Actor, { kind: 'server' }>

export const isParticipant = (a: Actor): a is ParticipantActor => a.kind !== 'server'
