import { Type } from '@sinclair/typebox'
import { Nullable, Timestamp } from '../../ops/schemas.js'
import { Message } from '../../messages/messages.schemas.js'
import { defineEvent } from './define.js'
import { AT, MESSAGE_ID, exampleMessage } from './examples.js'

/**
 * Message events. `message.created` is emitted today (by the send queue's SQL function, which
 * builds the event itself from the view it is given); the others are declared so that the
 * operations that will emit them have their payloads fixed in advance.
 */

const MessageId = Type.String({ description: 'the message’s id' })

/** A message was sent; its seq is this event's seq. */
export const messageCreated = defineEvent({
  type: 'message.created',
  kind: 'durable',
  summary: 'A message was sent',
  description: 'Emitted by send-message (and forward). `data` is the message view; its `seq` is the event’s seq.',
  data: Message,
  examples: [exampleMessage],
})

/** A message was edited: carries the whole new view, so a client replaces what it holds. */
export const messageUpdated = defineEvent({
  type: 'message.updated',
  kind: 'durable',
  summary: 'A message was edited',
  description: '`data` is the whole message view after the change (with `editedAt` set); `seq` stays the message’s own.',
  data: Message,
  examples: [{ ...exampleMessage, content: 'Hello Bob!', editedAt: AT }],
})

const Actor = (what: string) => Nullable(Type.String({ description: `who ${what}; null for the server key` }))

/** A message was deleted, soft (kept as a tombstone) or hard (gone). */
export const messageDeleted = defineEvent({
  type: 'message.deleted',
  kind: 'durable',
  summary: 'A message was deleted',
  description:
    '`mode: "soft"` leaves a tombstone (the message stays, empty, with `deletedAt`); `"hard"` removes it. ' +
    '`reason` is a moderator’s note, when given.',
  data: Type.Object(
    {
      messageId: MessageId,
      mode: Type.Union([Type.Literal('soft'), Type.Literal('hard')]),
      deletedBy: Actor('deleted it'),
      reason: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  examples: [
    { messageId: MESSAGE_ID, mode: 'soft', deletedBy: 'ada' },
    { messageId: MESSAGE_ID, mode: 'hard', deletedBy: null, reason: 'spam' },
  ],
})

const Reaction = Type.Object(
  { messageId: MessageId, emoji: Type.String(), userId: Type.String({ description: 'who reacted' }) },
  { additionalProperties: false },
)

export const reactionAdded = defineEvent({
  type: 'reaction.added',
  kind: 'durable',
  summary: 'A participant reacted to a message',
  description: 'One event per participant and emoji; a client adds one to that emoji’s count.',
  data: Reaction,
  examples: [{ messageId: MESSAGE_ID, emoji: '👍', userId: 'bob' }],
})

export const reactionRemoved = defineEvent({
  type: 'reaction.removed',
  kind: 'durable',
  summary: 'A participant took back a reaction',
  description: 'The counterpart of `reaction.added`; a client subtracts one from that emoji’s count.',
  data: Reaction,
  examples: [{ messageId: MESSAGE_ID, emoji: '👍', userId: 'bob' }],
})

export const messagePinned = defineEvent({
  type: 'message.pinned',
  kind: 'durable',
  summary: 'A message was pinned',
  description: '`pinnedAt` is when it was pinned.',
  data: Type.Object({ messageId: MessageId, pinnedBy: Actor('pinned it'), pinnedAt: Timestamp() }, { additionalProperties: false }),
  examples: [{ messageId: MESSAGE_ID, pinnedBy: 'ada', pinnedAt: AT }],
})

export const messageUnpinned = defineEvent({
  type: 'message.unpinned',
  kind: 'durable',
  summary: 'A message was unpinned',
  description: '`pinnedAt` is when the pin being removed had been made, so a client drops exactly that pin.',
  data: Type.Object(
    { messageId: MessageId, unpinnedBy: Actor('unpinned it'), pinnedAt: Timestamp('when the message had been pinned') },
    { additionalProperties: false },
  ),
  examples: [{ messageId: MESSAGE_ID, unpinnedBy: 'ada', pinnedAt: AT }],
})
