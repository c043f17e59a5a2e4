import type { Logger } from 'pino'
import type { Db } from '../store/db.js'
import type { Config } from '../config.js'
import type { EventSink } from '../events/event-sink.js'
import type { SendQueue } from '../messages/send-queue.js'
import type { Authenticator } from '../auth/authenticate.js'
import type { RevocationReason } from '../realtime/session.js'
import type { Actor } from './actor.js'

// The caller's types live in actor.ts (no imports of its own); re-exported for the ops.
export { isParticipant, type Actor, type CallerKind, type ParticipantActor } from './actor.js'

/** Long-lived parts of one Parley node, built once by the composition root. */
export interface Services {
  config: Config
  db: Db
  events: EventSink
  sends: SendQueue
  auth: Authenticator
  log: Logger
  /** Live sessions: what only connected sockets know or need (never the database). */
  realtime: Realtime
}

export interface Realtime {
  /**
   * A participant's credential stopped being valid (deactivated, deleted, key rotated): every
   * node, this one before this returns, drops it from its authentication cache and closes the
   * sessions of the participant and of the agents they own. Each protocol adapter says the
   * reason in its own terms (the native WebSocket: a close code).
   */
  revoke(participantId: string, reason: RevocationReason): void
  /** Fans a `typing` event out to the conversation's other connected members (starts throttled; `null` = stopped). */
  typing(conversationId: string, participantId: string, expiresAt: string | null): void
  /** Tells the conversation's other connected members how far a member has received (ephemeral). */
  delivered(conversationId: string, participantId: string, lastDeliveredSeq: number): void
  /** Whether a participant has a connected device, and when one was last connected. */
  presenceOf(participantId: string): { online: boolean; lastSeenAt: string | null }
}

/** What an operation's handler gets: the caller and the node's services. */
export interface OpContext {
  actor: Actor
  services: Services
  requestId: string
  log: Logger
}
