import { Type, type Static } from '@sinclair/typebox'
import { Input, Nullable, ParticipantId, Timestamp, Uuid } from '../ops/schemas.js'
import { Role } from '../conversations/conversations.schemas.js'

/**
 * One member of a conversation as every reader sees it. `canPost` is effective: what the
 * member may do now, given role, a group's lock, a channel's posting rights and the archive.
 */
export const Member = Type.Object(
  {
    userId: Type.String({ description: 'the participant id (a user or an agent)' }),
    kind: Type.Union([Type.Literal('user'), Type.Literal('agent')]),
    name: Type.String(),
    avatarUrl: Nullable(Type.String()),
    role: Role,
    canPost: Type.Boolean({ description: 'whether the member may post now (role, lock, channel rights, archive)' }),
    joinedAt: Timestamp(),
    lastReadSeq: Type.Integer({ description: 'the member’s read cursor' }),
  },
  { description: 'Example: { "userId": "ada", "kind": "user", "name": "Ada", "role": "admin", "canPost": true, "joinedAt": "2025-01-02T03:04:05.678Z", "lastReadSeq": 17 }' },
)
export type Member = Static<typeof Member>

/** A batch of participant ids to add or remove: 1 to 100, users or agents. */
export const MemberIds = Type.Array(ParticipantId(), { minItems: 1, maxItems: 100, description: '1 to 100 user or agent ids' })

export const MemberBatchInput = Input({ id: Uuid(), userIds: MemberIds })

export const AddMembersResult = Type.Object({
  added: Type.Array(Member, { description: 'the members this call added, in the order given' }),
  alreadyMembers: Type.Array(Type.String(), { description: 'ids that were members already (left unchanged)' }),
})

export const RemoveMembersResult = Type.Object({
  removed: Type.Array(Type.String(), { description: 'ids this call removed, in the order given' }),
  notMembers: Type.Array(Type.String(), { description: 'ids that were not members (nothing to do)' }),
})

export const LeaveResult = Type.Object({
  conversationId: Type.String(),
  promotedAdminId: Nullable(Type.String({ description: 'who became admin because the last admin left' })),
})
