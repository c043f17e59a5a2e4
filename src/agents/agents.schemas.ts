import { Type, type Static } from '@sinclair/typebox'
import { Cursor, Input, Limit, Metadata, Name, Nullable, Page, ParticipantId, Timestamp, Url } from '../ops/schemas.js'

/**
 * An agent as its owner and the server key see it: the participant view plus what only they
 * may know (`webhookUrl` can carry a secret in its query string, so `get-user` leaves it out).
 */
export const Agent = Type.Object(
  {
    id: Type.String(),
    kind: Type.Literal('agent'),
    name: Type.String(),
    avatarUrl: Nullable(Type.String()),
    metadata: Metadata(),
    ownerId: Type.String({ description: 'the user who owns the agent' }),
    description: Nullable(Type.String()),
    webhookUrl: Nullable(Type.String({ description: 'where events for the agent will be delivered' })),
    deactivatedAt: Nullable(Timestamp('set when the agent was deleted')),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  {
    description:
      'Example: { "id": "agent_3f9c…", "kind": "agent", "name": "Helper", "ownerId": "u_42", "avatarUrl": null, ' +
      '"description": null, "webhookUrl": "https://app.test/hooks/helper", "metadata": {}, "deactivatedAt": null, … }',
  },
)
export type Agent = Static<typeof Agent>

/** An agent with its key. The key is shown here once; Parley keeps only its sha256. */
export const AgentWithKey = Type.Object({
  agent: Agent,
  apiKey: Type.String({ description: 'pk_agent_…; send as `Authorization: Bearer <apiKey>` to act as the agent' }),
})

const Description = () => Type.String({ maxLength: 2000 })

export const CreateAgentInput = Input({
  id: Type.Optional(ParticipantId('the agent’s id; generated (agent_…) when absent; must not be used by any participant')),
  name: Name(),
  ownerId: Type.Optional(ParticipantId('the owning user; defaults to the calling user, required with the server key')),
  avatarUrl: Type.Optional(Url()),
  webhookUrl: Type.Optional(Url()),
  description: Type.Optional(Description()),
  metadata: Type.Optional(Metadata()),
})

export const ListAgentsInput = Input({
  ownerId: Type.Optional(ParticipantId('only this owner’s agents; a user may only name themself')),
  cursor: Type.Optional(Cursor()),
  limit: Type.Optional(Limit(50, 200)),
})

export const AgentPage = Page(Agent)

/** Omitted fields keep their value; `null` clears a nullable one; `metadata` replaces the whole object. */
export const UpdateAgentInput = Input({
  id: ParticipantId(),
  name: Type.Optional(Name()),
  avatarUrl: Type.Optional(Nullable(Url())),
  webhookUrl: Type.Optional(Nullable(Url())),
  description: Type.Optional(Nullable(Description())),
  metadata: Type.Optional(Metadata()),
})

export const AgentIdInput = Input({ id: ParticipantId() })
