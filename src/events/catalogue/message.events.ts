import { Type } from '@sinclair/typebox'
import { Nullable, Timestamp } from '../../ops/schemas.js'
import { Message } from '../../messages/messages.schemas.js'
import { defineEvent } from './define.js'
import { AT, MESSAGE_ID, exampleMessage } from './examples.js'

/**
 * Message events. `message.created` is built by the send queue's SQL function from the view it
 * is given (and by the system messages' writer); the root's `message.updated` after replies by
 * the same function through `parley_message_view`; the rest by the operations of
 * src/messages/ (edit, delete, reactions, pins, threads).
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
  description:
    'Emitted by edit-message. `data` is the whole message view after the change (with `editedAt` set; ' +
    'reactions without the viewer’s own `me`, which a client keeps from its state); `seq` stays the message’s own.',
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
    'Emitted by delete-message. `mode: "soft"` leaves a tombstone at the same seq (`message`: the tombstone ' +
    'view, empty, with `deletedAt`); `"hard"` removes the message (`lastMessage`: when it was the ' +
    'conversation’s last message, the new last one, or null). `seq` is the deleted message’s own. ' +
    '`reason` is the deleter’s note, when given.',
  data: Type.Object(
    {
      messageId: MessageId,
      seq: Type.Integer({ description: 'the deleted message’s seq' }),
      mode: Type.Union([Type.Literal('soft'), Type.Literal('hard')]),
      deletedBy: Actor('deleted it'),
      reason: Type.Optional(Type.String()),
      message: Type.Optional(Message),
      lastMessage: Type.Optional(Nullable(Message)),
    },
    { additionalProperties: false },
  ),
  examples: [
    {
      messageId: MESSAGE_ID,
      seq: 42,
      mode: 'soft',
      deletedBy: 'ada',
      message: { ...exampleMessage, content: '', clientMsgId: null, deletedAt: AT },
    },
    { messageId: MESSAGE_ID, seq: 42, mode: 'hard', deletedBy: null, reason: 'spam', lastMessage: null },
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
  description:
    '`pinnedAt` is when it was pinned. `message` is the pinned message’s view (with `pinnedAt` and ' +
    '`pinnedBy` set; reactions with `me` false), so a client adds it to its pinned bar without a fetch.',
  data: Type.Object(
    { messageId: MessageId, pinnedBy: Actor('pinned it'), pinnedAt: Timestamp(), message: Message },
    { additionalProperties: false },
  ),
  examples: [{ messageId: MESSAGE_ID, pinnedBy: 'ada', pinnedAt: AT, message: { ...exampleMessage, pinnedAt: AT, pinnedBy: 'ada' } }],
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
