import { Type, type Static } from '@sinclair/typebox'
import { Metadata, Nullable, Timestamp } from '../ops/schemas.js'
import { Message } from '../messages/messages.schemas.js'

export const ConversationType = Type.Union([Type.Literal('dm'), Type.Literal('group'), Type.Literal('channel')])
export const Visibility = Type.Union([Type.Literal('public'), Type.Literal('private')])
export const NotifyLevel = Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('none')])
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')])

export const Preferences = Type.Object({
  starred: Type.Boolean(),
  muteUntil: Nullable(Timestamp()),
  notifyLevel: NotifyLevel,
})

/** The caller's own membership: role, rights, read cursor and preferences. */
export const Membership = Type.Object({
  role: Role,
  canPost: Type.Boolean({ description: 'whether the caller may post now (role, lock, channel rights, archive)' }),
  lastReadSeq: Type.Integer(),
  unreadCount: Type.Integer({ description: 'messages from others after lastReadSeq (capped at 1000)' }),
  mentionCount: Type.Integer({ description: 'of those, the ones that mention the caller (capped at 1000)' }),
  unreadThreadCount: Type.Integer({
    description: 'threads the caller follows with replies from others after their thread cursor (capped at 1000); see mark-thread-read',
  }),
  joinedAt: Timestamp(),
  preferences: Preferences,
})

export const Conversation = Type.Object(
  {
    id: Type.String(),
    type: ConversationType,
    name: Nullable(Type.String()),
    description: Nullable(Type.String()),
    visibility: Visibility,
    externalRef: Nullable(Type.String()),
    metadata: Metadata(),
    settings: Type.Object({ maxMembers: Type.Integer(), locked: Type.Boolean() }),
    agentId: Nullable(Type.String({ description: 'for agent chats: the agent' })),
    participants: Type.Optional(Type.Array(Type.String(), { description: 'dms only: the two participant ids' })),
    createdBy: Nullable(Type.String()),
    memberCount: Type.Integer(),
    lastSeq: Type.Integer({ description: 'seq of the conversation’s latest event' }),
    lastActivityAt: Timestamp(),
    archivedAt: Nullable(Timestamp()),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
    lastMessage: Nullable(Message),
    access: Type.Union([Type.Literal('member'), Type.Literal('server'), Type.Literal('agent_owner'), Type.Literal('public')], {
      description: 'how the caller sees it: as a member, with the server key, as owner of a member agent (read-only), or as a public channel',
    }),
    membership: Nullable(Membership),
  },
  { description: 'Example: { "id": "0190…", "type": "group", "name": "Launch", "memberCount": 3, "lastSeq": 17, "membership": { "role": "admin", "unreadCount": 2, … }, … }' },
)
export type Conversation = Static<typeof Conversation>

export const Settings = Type.Object(
  {
    maxMembers: Type.Optional(Type.Integer({ minimum: 2, maximum: 100_000, description: 'default 100 for groups, 300 for channels' })),
    locked: Type.Optional(Type.Boolean({ description: 'groups: only admins post' })),
  },
  { additionalProperties: false },
)
