import { Type, type Static } from '@sinclair/typebox'
import { Nullable, Timestamp } from '../ops/schemas.js'

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

export const Message = Type.Object(
  {
    id: Type.String(),
    conversationId: Type.String(),
    seq: Type.Integer({ description: 'position of the message.created event in the conversation' }),
    senderId: Type.String(),
    senderKind: Type.Union([Type.Literal('user'), Type.Literal('agent')]),
    kind: Type.Union([Type.Literal('text'), Type.Literal('notice')]),
    content: Type.String(),
    clientMsgId: Nullable(Type.String()),
    createdAt: Timestamp(),
    editedAt: Nullable(Timestamp()),
    deletedAt: Nullable(Timestamp()),
    replyToId: Nullable(Type.String()),
    threadRootId: Nullable(Type.String({ description: 'the root of the thread a reply belongs to' })),
    forwardOf: Nullable(ForwardOrigin),
    mentions: Type.Array(Type.String(), { description: 'participants the message mentions' }),
    reactions: Type.Record(Type.String(), Type.Object({ count: Type.Integer(), me: Type.Boolean() }), {
      description: 'emoji → how many reacted and whether the caller did',
    }),
    attachments: Type.Array(Type.Object({ id: Type.String() }, { additionalProperties: true })),
    linkPreviews: Type.Array(Type.Object({ url: Type.String() }, { additionalProperties: true })),
    thread: Nullable(
      Type.Object({ replyCount: Type.Integer(), lastReplyAt: Nullable(Timestamp()) }, { description: 'on roots with replies' }),
    ),
  },
  {
    description:
      'Example: { "id": "0190…", "conversationId": "0190…", "seq": 42, "senderId": "u_1", "senderKind": "user", "kind": "text", "content": "hi", … }',
  },
)
export type Message = Static<typeof Message>
