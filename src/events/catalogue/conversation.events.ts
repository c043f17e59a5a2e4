import { Type } from '@sinclair/typebox'
import { Metadata, Nullable, Timestamp } from '../../ops/schemas.js'
import { Conversation, ConversationType, Role, Visibility } from '../../conversations/conversations.schemas.js'
import { Member } from '../../members/members.schemas.js'
import { defineEvent } from './define.js'
import { AT, exampleConversation } from './examples.js'

/**
 * What `conversation.updated` says changed: only the changed fields, with their new values and
 * the field names of the conversation view. Closed, so a new kind of change is a catalogue edit.
 */
export const ConversationChanges = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String())),
    description: Type.Optional(Nullable(Type.String())),
    visibility: Type.Optional(Visibility),
    metadata: Type.Optional(Metadata()),
    settings: Type.Optional(
      Type.Object({ maxMembers: Type.Optional(Type.Integer()), locked: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    ),
    archivedAt: Type.Optional(Nullable(Timestamp('set by archive, null after unarchive'))),
    type: Type.Optional(ConversationType),
  },
  { additionalProperties: false, description: 'only what changed, with the new values' },
)

/** A conversation was created; its first event (seq 1). Makes every listed member a member. */
export const conversationCreated = defineEvent({
  type: 'conversation.created',
  kind: 'durable',
  summary: 'A conversation was created, with its first members',
  description:
    'Emitted by create-conversation (a dm only when it is new). `conversation` is the view with no ' +
    'membership (the event goes to every member); `members` lists everyone it starts with: id, role, the ' +
    'stored right to post (`canPost`, before the group lock and archive apply), and kind, name and avatarUrl ' +
    'as the member view shows them, so a client builds the member list from this event alone.',
  data: Type.Object(
    {
      conversation: Conversation,
      members: Type.Array(
        Type.Object(
          {
            id: Type.String(),
            role: Role,
            canPost: Type.Boolean({ description: 'the stored right to post; the member view’s `canPost` also applies the lock' }),
            kind: Member.properties.kind,
            name: Member.properties.name,
            avatarUrl: Member.properties.avatarUrl,
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  examples: [
    {
      conversation: exampleConversation,
      members: [
        { id: 'ada', role: 'admin', canPost: true, kind: 'user', name: 'Ada', avatarUrl: null },
        { id: 'bob', role: 'member', canPost: true, kind: 'user', name: 'Bob', avatarUrl: null },
      ],
    },
  ],
  membership: (d) => ({ added: d.members.map((m) => m.id), removed: [] }),
  conversationType: (d) => d.conversation.type,
})

/** A conversation's name, settings, archive state or type changed. */
export const conversationUpdated = defineEvent({
  type: 'conversation.updated',
  kind: 'durable',
  summary: 'A conversation changed (settings, archive, conversion)',
  description:
    'Emitted by update-conversation, archive/unarchive-conversation and convert-conversation. `changes` ' +
    'holds only what changed; `conversation` is the whole view after the change, with no membership.',
  data: Type.Object({ changes: ConversationChanges, conversation: Conversation }, { additionalProperties: false }),
  examples: [
    { changes: { name: 'Launch v2' }, conversation: { ...exampleConversation, name: 'Launch v2', lastSeq: 5 } },
    { changes: { archivedAt: AT }, conversation: { ...exampleConversation, archivedAt: AT, lastSeq: 6 } },
  ],
})
