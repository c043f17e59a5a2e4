import type { Conversation, Message } from './events.js'
import type { ListConversationMembersOutput } from './ops.gen.js'

/**
 * The shapes of the reducer's state, apart from the reducer so that its rules
 * (reducer-rules.ts) and the reducer itself both read them without importing each other.
 */

/** A member as list-conversation-members answers it. */
export type Member = ListConversationMembersOutput['data'][number]

/** A pin of a conversation's pinned list. `pinnedBy` is null when the server key pinned. */
export interface Pin {
  messageId: string
  pinnedAt: string
  pinnedBy: string | null
}

/** Member id → stored posting right (the `can_post` column), as far as it is known. */
export type Rights = Record<string, boolean>

export interface ConversationState {
  /** The view as list-conversations answers it, with the viewer's `membership`. */
  conversation: Conversation
  /** Loaded messages, oldest first (list-messages' `data`); undefined when none were loaded. */
  messages?: Message[]
  /** list-messages' `page.hasBefore` for the loaded window: older messages exist beyond it. */
  hasBefore?: boolean
  /** Members, oldest membership first (list-conversation-members); undefined when not loaded. */
  members?: Member[]
  /**
   * The conversation's pins, newest first (list-pinned-messages, as `{ messageId, pinnedAt,
   * pinnedBy }`); loaded along with the messages and, like them, undefined when not loaded. The
   * pinned messages themselves are in `messages` when loaded; `message.pinned` carries the view.
   */
  pins?: Pin[]
  /**
   * Stored posting rights learned so far (member id → can_post). Views only show the effective
   * `canPost`, which archiving hides; this is what lets unarchiving a channel restore it.
   * Derived, reducer-internal: not server state.
   */
  rights: Rights
}
