import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { forbidden } from '../ops/errors.js'
import { Input, Nullable, ParticipantId, Timestamp, Uuid } from '../ops/schemas.js'
import { loadConversationFor } from '../conversations/access.js'
import { postingRefusal } from '../conversations/posting-rule.js'
import { filterCoMembers } from './presence.sql.js'
import { TYPING_EVERY_MS } from '../realtime/ephemeral.js'

/** How long a typing indicator shows unless repeated. */
export const TYPING_TTL_MS = 5_000

export const sendTypingOp = defineOp({
  id: 'send-typing',
  path: '/v1/typing/send',
  tag: 'real time',
  summary: 'Tell the conversation’s connected members that the caller is typing, or stopped (never stored)',
  description:
    `Fans out a \`typing\` event { userId, expiresAt } to the other members’ sockets; clients show it until ` +
    `expiresAt (${TYPING_TTL_MS / 1000} s) unless it is repeated. Repeats within ${TYPING_EVERY_MS / 1000} s are absorbed. ` +
    'With `stopped: true` (the draft was sent or cleared) it fans out { userId, stopped: true } at once, never absorbed, ' +
    'and answers `expiresAt: null`. Only those who may post may type.',
  callers: ['user', 'agent'],
  input: Input({
    conversationId: Uuid(),
    stopped: Type.Optional(Type.Literal(true, { description: 'the caller stopped typing: hide the indicator now' })),
  }),
  output: Type.Object({ expiresAt: Nullable(Timestamp('when the indicator lapses unless repeated; null for a stop')) }),
  async run(ctx, { conversationId, stopped }) {
    const actor = ctx.actor
    if (actor.kind === 'server') throw forbidden('the server key cannot type')
    const { conv, member } = await loadConversationFor(ctx.services.db, actor, conversationId, 'read')
    const refusal = postingRefusal(conv, member)
    if (refusal) throw refusal
    const expiresAt = stopped ? null : new Date(Date.now() + TYPING_TTL_MS).toISOString()
    ctx.services.realtime.typing(conv.id, actor.id, expiresAt)
    return { expiresAt }
  },
})

export const getPresenceOp = defineOp({
  id: 'get-presence',
  path: '/v1/presence/get',
  tag: 'real time',
  summary: 'Who is online: for participants who share a conversation with the caller',
  description:
    'A participant is online while any of their devices is connected. `lastSeenAt` is when their last ' +
    'device disconnected (kept in memory, not in the database: empty after a restart). The caller sees a ' +
    'participant’s presence only through a dm or a group they share in which that participant has engaged: ' +
    'created it, sent a message in it or moved their read cursor in it (being added by someone else, or ' +
    'acknowledging delivery, does not count; channels never do). Anyone else is answered as unknown ' +
    '(`online: null`), so presence does not leak to strangers. The server key may ask about anyone.',
  callers: ['server', 'user', 'agent'],
  input: Input({ userIds: Type.Array(ParticipantId(), { minItems: 1, maxItems: 100 }) }),
  output: Type.Object({
    data: Type.Array(Type.Object({ userId: Type.String(), online: Nullable(Type.Boolean()), lastSeenAt: Nullable(Timestamp()) })),
  }),
  async run(ctx, { userIds }) {
    const ids = [...new Set(userIds)]
    const visible = ctx.actor.kind === 'server' ? new Set(ids) : await filterCoMembers(ctx.services.db, ctx.actor.id, ids)
    if (ctx.actor.kind !== 'server') visible.add(ctx.actor.id)
    return {
      data: ids.map((userId) =>
        visible.has(userId) ? { userId, ...ctx.services.realtime.presenceOf(userId) } : { userId, online: null, lastSeenAt: null },
      ),
    }
  },
})

export const presenceOps = [sendTypingOp, getPresenceOp]
