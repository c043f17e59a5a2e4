import { Type, type Static } from '@sinclair/typebox'
import { Metadata, Nullable, Timestamp } from '../ops/schemas.js'

/** A participant as other participants see it: a user, or an agent (with its owner). */
export const Participant = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('user'), Type.Literal('agent')]),
    name: Type.String(),
    avatarUrl: Nullable(Type.String()),
    metadata: Metadata(),
    ownerId: Type.Optional(Type.String({ description: 'agents only: the user who owns the agent' })),
    description: Type.Optional(Nullable(Type.String())),
    deactivatedAt: Nullable(Timestamp()),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { description: 'Example: { "id": "u_42", "kind": "user", "name": "Ada", "avatarUrl": null, "metadata": {}, "deactivatedAt": null, … }' },
)
export type Participant = Static<typeof Participant>
