import { Type, type Static } from '@sinclair/typebox'
import { Metadata, Nullable, Timestamp } from '../ops/schemas.js'

export const ForwardOrigin = Type.Object(
  {
    messageId: Type.String(),
    conversationId: Type.String(),
    senderId: Type.String(),
    senderKind: Type.Union([Type.Literal('user'), Type.Literal('agent')]),
    createdAt: Timestamp(),
  },
  { description: 'where a forwarded message came from, as it was when forwarded' },
)

/** What a system message says happened, for clients to render in their own language. */
export const SystemEvent = Type.Object(
  {
    event: Type.Union([
      Type.Literal('member.joined'),
      Type.Literal('member.left'),
      Type.Literal('member.added'),
      Type.Literal('member.removed'),
      Type.Literal('conversation.renamed'),
    ]),
    actorId: Nullable(Type.String({ description: 'who did it; null for the server key' })),
    targetIds: Type.Array(Type.String(), { description: 'who joined, left, was added or was removed; empty for conversation.renamed' }),
    name: Type.Optional(Nullable(Type.String({ description: 'conversation.renamed: the new name (null: the name was cleared)' }))),
    previousName: Type.Optional(Nullable(Type.String({ description: 'conversation.renamed: the name before' }))),
  },
  { description: 'on `kind: "system"` messages; null on the others' },
)

/** The summary a thread root carries (docs/api.md, "Threads and system messages"). */
export const ThreadSummary = Type.Object(
  {
    replyCount: Type.Integer({ description: 'replies that are not deleted' }),
    lastReplyAt: Nullable(Timestamp()),
    lastReplySeq: Nullable(Type.Integer({ description: 'seq of the newest reply that is not deleted' })),
    participantIds: Type.Array(Type.String(), { description: 'distinct repliers in order of first reply, at most 10' }),
    lastReadSeq: Nullable(
      Type.Integer({
        description:
          'the caller’s read cursor in this thread; null when the caller does not follow the thread, and in events ' +
          '(which are the same for every member). The thread is unread for the caller when lastReplySeq > lastReadSeq.',
      }),
    ),
  },
  { description: 'on messages that have been replied to (also once every reply is deleted: replyCount 0); null on the others' },
)

export const Message = Type.Object(
  {
    id: Type.String(),
    conversationId: Type.String(),
    seq: Type.Integer({ description: 'position of the message.created event in the conversation' }),
    senderId: Type.String({ description: 'the participant who sent it; `"system"` on system messages' }),
    senderKind: Type.Union([Type.Literal('user'), Type.Literal('agent'), Type.Literal('system')], {
      description: '`system` for the messages Parley writes itself (`kind: "system"`)',
    }),
    kind: Type.Union([Type.Literal('text'), Type.Literal('notice'), Type.Literal('system')], {
      description: '`system`: written by Parley (member joined, left, added, removed; conversation renamed); see `system`',
    }),
    content: Type.String(),
    clientMsgId: Nullable(Type.String()),
    createdAt: Timestamp(),
    editedAt: Nullable(Timestamp()),
    deletedAt: Nullable(Timestamp()),
    replyToId: Nullable(Type.String()),
    threadRootId: Nullable(Type.String({ description: 'the root of the thread a reply belongs to' })),
    forwardOf: Nullable(ForwardOrigin),
    mentions: Type.Array(Type.String(), { description: 'members the message mentions: the explicit `mentions` and the `@id` tokens of its content' }),
    wildcardMention: Nullable(
      Type.Union([Type.Literal('all'), Type.Literal('here')], { description: '`@all` or `@here` in the content: the message mentions every member' }),
    ),
    metadata: Nullable(Metadata()),
    reactions: Type.Record(Type.String(), Type.Object({ count: Type.Integer(), me: Type.Boolean() }), {
      description: 'emoji → how many reacted and whether the caller did',
    }),
    pinnedAt: Nullable(Timestamp('when the message was pinned; null when it is not pinned')),
    pinnedBy: Nullable(Type.String({ description: 'who pinned it; null when not pinned, or pinned by the server key' })),
    attachments: Type.Array(Type.Object({ id: Type.String() }, { additionalProperties: true })),
    linkPreviews: Type.Array(Type.Object({ url: Type.String() }, { additionalProperties: true })),
    thread: Nullable(ThreadSummary),
    system: Nullable(SystemEvent),
  },
  {
    description:
      'Example: { "id": "0190…", "conversationId": "0190…", "seq": 42, "senderId": "u_1", "senderKind": "user", "kind": "text", "content": "hi", … }',
  },
)
export type Message = Static<typeof Message>
