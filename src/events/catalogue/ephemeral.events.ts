import { Type } from '@sinclair/typebox'
import { Nullable, Timestamp } from '../../ops/schemas.js'
import { defineEvent } from './define.js'
import { AT } from './examples.js'

/**
 * Ephemeral events: fanned out to connected sockets only, never stored, never replayed, with
 * no seq. A client that was away misses them, by design (invariant 6).
 */

/** Someone is typing (until `expiresAt` unless repeated), or stopped typing. */
export const typing = defineEvent({
  type: 'typing',
  kind: 'ephemeral',
  summary: 'A member is typing, or stopped',
  description:
    'From send-typing, to the conversation’s other connected members. A start carries `expiresAt`: show ' +
    'the indicator until then unless it is repeated. A stop (`send-typing` with `stopped: true`, e.g. the ' +
    'draft was sent or cleared) carries `stopped: true` and no expiry: hide the indicator now.',
  data: Type.Union([
    Type.Object({ userId: Type.String(), expiresAt: Timestamp('hide the indicator after this unless repeated') }, { additionalProperties: false }),
    Type.Object({ userId: Type.String(), stopped: Type.Literal(true) }, { additionalProperties: false }),
  ]),
  examples: [
    { userId: 'ada', expiresAt: AT },
    { userId: 'ada', stopped: true },
  ],
})

/** A member's delivered cursor moved: their devices received up to `lastDeliveredSeq`. */
export const delivery = defineEvent({
  type: 'delivery',
  kind: 'ephemeral',
  summary: 'A member’s delivered cursor moved',
  description: 'From mark-conversation-delivered, to the other members (sent → delivered receipts).',
  data: Type.Object({ userId: Type.String(), lastDeliveredSeq: Type.Integer() }, { additionalProperties: false }),
  examples: [{ userId: 'bob', lastDeliveredSeq: 42 }],
})

/** Someone came online or went offline; frames carry no conversationId. */
export const presence = defineEvent({
  type: 'presence',
  kind: 'ephemeral',
  scope: 'participant',
  summary: 'A participant came online or went offline',
  description:
    'To the connected participants who may see it (a shared dm or group where the participant engaged). ' +
    'Not tied to a conversation: the frame has no `conversationId`.',
  data: Type.Object(
    { userId: Type.String(), online: Type.Boolean(), lastSeenAt: Nullable(Timestamp('when their last device disconnected')) },
    { additionalProperties: false },
  ),
  examples: [
    { userId: 'ada', online: true, lastSeenAt: null },
    { userId: 'ada', online: false, lastSeenAt: AT },
  ],
})
