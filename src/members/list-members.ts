import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { Cursor, Input, Limit, Page, Uuid } from '../ops/schemas.js'
import { decodeCursor } from '../lib/cursor.js'
import { keysetPage } from '../lib/page.js'
import { iso } from '../lib/time.js'
import { loadConversationFor } from '../conversations/access.js'
import { Role } from '../conversations/conversations.schemas.js'
import { Member } from './members.schemas.js'
import { listMemberDetails } from './members.sql.js'
import { toMemberView } from './members.view.js'

export const listConversationMembersOp = defineOp({
  id: 'list-conversation-members',
  path: '/v1/conversations/{id}/members/list',
  tag: 'members',
  summary: 'List a conversation’s members, oldest membership first',
  description:
    'Anyone who may read the conversation: members, the server key, owners of a member agent and, for a ' +
    'public channel, anyone. Ordered by `joinedAt`, then id; `role` keeps admins or members only. Each ' +
    'member shows its effective `canPost` and its read cursor `lastReadSeq`.',
  callers: ['server', 'user', 'agent'],
  input: Input({
    id: Uuid(),
    role: Type.Optional(Role),
    cursor: Type.Optional(Cursor()),
    limit: Type.Optional(Limit(50, 200)),
  }),
  output: Page(Member),
  async run(ctx, input) {
    const db = ctx.services.db
    const { conv } = await loadConversationFor(db, ctx.actor, input.id, 'read')
    const limit = input.limit ?? 50
    const after = input.cursor ? memberCursor(input.cursor) : undefined
    const rows = await listMemberDetails(db, conv.id, { role: input.role, after, limit: limit + 1 })
    return keysetPage(rows, limit, (m) => toMemberView(conv, m), (last) => [iso(last.joined_at), last.member_id])
  },
})

/** A cursor is [joinedAt, memberId]; joinedAt has millisecond precision, as every membership is written. */
function memberCursor(cursor: string): [string, string] {
  return decodeCursor(cursor, ['timestamp', 'string'] as const)
}
