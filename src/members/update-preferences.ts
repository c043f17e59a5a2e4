import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { forbidden, invalidField } from '../ops/errors.js'
import { Input, Nullable, Timestamp, Uuid } from '../ops/schemas.js'
import { iso } from '../lib/time.js'
import { loadConversationFor } from '../conversations/access.js'
import { conversationViewFor } from '../conversations/conversation-writes.js'
import { Conversation, NotifyLevel } from '../conversations/conversations.schemas.js'
import { updateMemberPreferences, type PreferencesPatch } from './members.sql.js'

export const updateConversationPreferencesOp = defineOp({
  id: 'update-conversation-preferences',
  path: '/v1/conversations/{id}/preferences/update',
  tag: 'members',
  summary: 'Set the caller’s own preferences for a conversation: starred, muted, notification level',
  description:
    'Members only (a reader who is not a member: 403); works in archived conversations too. Omitted fields ' +
    'stay as they are. `muteUntil`: an RFC 3339 time until which notifications are muted, `null` to unmute; ' +
    'a time in the past is accepted and simply means not muted. `notifyLevel`: `all`, `mentions` or `none`. ' +
    'The preferences are private to the member, so no conversation event is emitted. Answers the ' +
    'conversation with the caller’s membership (`membership.preferences`).',
  callers: ['user', 'agent'],
  input: Input({
    id: Uuid(),
    starred: Type.Optional(Type.Boolean()),
    muteUntil: Type.Optional(Nullable(Timestamp('mute notifications until this time; null unmutes'))),
    notifyLevel: Type.Optional(NotifyLevel),
  }),
  output: Conversation,
  async run(ctx, input) {
    const db = ctx.services.db
    const { conv, member } = await loadConversationFor(db, ctx.actor, input.id, 'member')
    const m = member!
    const next: PreferencesPatch = {
      starred: input.starred ?? m.starred,
      muteUntil: input.muteUntil === undefined ? (iso(m.mute_until) ?? null) : muteTime(input.muteUntil),
      notifyLevel: input.notifyLevel ?? m.notify_level,
    }
    // A single-row write with no event: it needs no conversation lock.
    const updated = await updateMemberPreferences(db, conv.id, m.member_id, next)
    if (!updated) throw forbidden('only members may do this')
    return conversationViewFor(db, ctx.actor, conv.id)
  },
})

/** The mute time in wire format; RFC 3339 that JavaScript cannot place (a leap second) is refused. */
function muteTime(value: string | null): string | null {
  if (value === null) return null
  const t = new Date(value)
  if (Number.isNaN(t.getTime())) throw invalidField('muteUntil', 'is not a time this service can store')
  return t.toISOString()
}
