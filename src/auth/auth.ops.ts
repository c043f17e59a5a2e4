import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { conflict, notFound } from '../ops/errors.js'
import { Input, ParticipantId, Timestamp } from '../ops/schemas.js'
import { findParticipant } from '../users/users.sql.js'

const DAY = 86_400

export const createTokenOp = defineOp({
  id: 'create-token',
  path: '/v1/auth/tokens/create',
  tag: 'identity',
  summary: 'Mint a user token (HS256 JWT) for one of the app’s users',
  description: 'ttlSeconds defaults to 3600 and may be 60 s to 30 days.',
  callers: ['server'],
  status: 201,
  input: Input({ userId: ParticipantId(), ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * DAY })) }),
  output: Type.Object({ token: Type.String(), expiresAt: Timestamp() }),
  async run(ctx, { userId, ttlSeconds }) {
    const user = await findParticipant(ctx.services.db, userId)
    if (!user || user.kind !== 'user') throw notFound('user')
    if (user.deactivated_at) throw conflict('the user is deactivated')
    return ctx.services.auth.mintUserToken(userId, ttlSeconds ?? 3600)
  },
})
