/**
 * What the engine knows of a connected session, whatever protocol it speaks. An adapter (the
 * native WebSocket in src/ws/, later others) implements it; the engine never sees a socket.
 */
export interface EngineSession {
  readonly id: string
  readonly participantId: string
  /** The owner, when the participant is an agent (an owner's revocation ends their agents' sessions). */
  readonly ownerId?: string
  /**
   * The wire protocol the session speaks, e.g. `parley.v1`: the key of the encoder its frames
   * come from. Sessions of one protocol share each encoded frame.
   */
  readonly protocol: string
  readonly isOpen: boolean
  /** Writes a frame already encoded for this session's protocol (encoded once per fan-out, not per session). */
  sendRaw(frame: string): void
  /** The engine ends the session; the adapter says it in its own terms (the native one: a close code). */
  end(reason: EndReason): void
  /** Optional: hold writes until `uncork`, so that one batch of events leaves in one write. */
  cork?(): void
  uncork?(): void
}

/** Why a participant's credential stopped being valid. */
export type RevocationReason = 'deactivated' | 'deleted' | 'key_rotated'

/**
 * Why the engine ends a session. `revoked`: the credential is no longer valid (do not come back
 * with it). `closed`: an operator closed the participant's sessions, credentials untouched; the
 * code is a WebSocket close code (RFC 6455), which an adapter without codes maps as it likes.
 */
export type EndReason = { kind: 'revoked'; reason: RevocationReason } | { kind: 'closed'; code: number; detail: string }

/** What `attach` answers: what the participant's client needs to show before any event arrives. */
export interface ReadySummary {
  /** Each conversation with unread messages or unread threads. */
  unread: { conversationId: string; unreadCount: number; mentionCount: number; unreadThreadCount: number; lastSeq: number }[]
}
