import { Type } from '@sinclair/typebox'
import { Nullable } from '../../ops/schemas.js'
import { Conversation, Role } from '../../conversations/conversations.schemas.js'
import { Member } from '../../members/members.schemas.js'
import { defineEvent } from './define.js'
import { exampleConversation, exampleMember } from './examples.js'

const By = Nullable(Type.String({ description: 'who did it; null for the server key' }))

/** Someone joined or was added. The member starts receiving the conversation with this event. */
export const memberAdded = defineEvent({
  type: 'member.added',
  kind: 'durable',
  summary: 'A participant joined or was added',
  description:
    'Emitted by add-members (one per member added) and join-conversation. `member` is the member view. ' +
    '`conversation` is the whole view as of this event (its `lastSeq` and `memberCount` included), with no ' +
    'membership, as `conversation.updated` carries it: the member brought in builds the conversation from it.',
  data: Type.Object(
    {
      member: Member,
      by: By,
      conversation: Conversation,
    },
    { additionalProperties: false },
  ),
  examples: [{ member: exampleMember, by: 'ada', conversation: { ...exampleConversation, memberCount: 2, lastSeq: 2 } }],
  membership: (d) => ({ added: [d.member.userId], removed: [] }),
})

/** Someone left or was removed. It is the last event the removed member receives. */
export const memberRemoved = defineEvent({
  type: 'member.removed',
  kind: 'durable',
  summary: 'A participant left or was removed',
  description:
    'Emitted by remove-members (`reason: "removed"`, one per member) and leave-conversation (`reason: "left"`). ' +
    'The removed member receives this event about themself, and nothing after it.',
  data: Type.Object(
    { memberId: Type.String(), by: By, reason: Type.Union([Type.Literal('left'), Type.Literal('removed')]) },
    { additionalProperties: false },
  ),
  examples: [
    { memberId: 'bob', by: 'ada', reason: 'removed' },
    { memberId: 'bob', by: 'bob', reason: 'left' },
  ],
  membership: (d) => ({ added: [], removed: [d.memberId] }),
})

/** A member's role or posting right changed. */
export const memberUpdated = defineEvent({
  type: 'member.updated',
  kind: 'durable',
  summary: 'A member’s role or posting right changed',
  description:
    'Emitted by update-member, and by leave-conversation when the last admin leaves and another member is ' +
    'promoted. `changes` holds only what changed; `member` is the view after the change.',
  data: Type.Object(
    {
      member: Member,
      changes: Type.Object({ role: Type.Optional(Role), canPost: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  examples: [{ member: { ...exampleMember, role: 'admin' }, changes: { role: 'admin' } }],
})
