import { defineOp } from '../ops/define-op.js'
import type { OpContext } from '../ops/context.js'
import { Input, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import { lockConversationFor } from './access.js'
import { appendConversationUpdated, conversationViewFor } from './conversation-writes.js'
import { Conversation } from './conversations.schemas.js'
import { setConversationArchived } from './conversations.sql.js'

/**
 * Archive and unarchive. An archived conversation is read-only: nobody posts, and its
 * settings and membership do not change; members may still read it, leave it, mark it read
 * and set their preferences.
 */
async function setArchived(ctx: OpContext, id: string, archive: boolean): Promise<Conversation> {
  return transact(ctx, async (tx) => {
    const { conv } = await lockConversationFor(tx, ctx.actor, id, 'admin')
    if (Boolean(conv.archived_at) !== archive) {
      const at = new Date().toISOString()
      const archivedAt = archive ? at : null
      await setConversationArchived(tx, conv.id, archivedAt, at)
      await appendConversationUpdated(tx, conv, ctx.actor, { archivedAt })
    }
    return conversationViewFor(tx, ctx.actor, conv.id)
  })
}

export const archiveConversationOp = defineOp({
  id: 'archive-conversation',
  path: '/v1/conversations/{id}/archive',
  tag: 'conversations',
  summary: 'Archive a conversation: it becomes read-only (admins)',
  description:
    'Admins of the conversation and the server key. While archived nobody may post, and update, ' +
    'convert and member changes answer 409; reading, leaving, mark-read and preferences still work. ' +
    'Emits `conversation.updated` with `changes: { archivedAt }`. Archiving an archived conversation ' +
    'changes nothing and emits nothing. Answers the conversation.',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid() }),
  output: Conversation,
  run: (ctx, { id }) => setArchived(ctx, id, true),
})

export const unarchiveConversationOp = defineOp({
  id: 'unarchive-conversation',
  path: '/v1/conversations/{id}/unarchive',
  tag: 'conversations',
  summary: 'Unarchive a conversation (admins)',
  description:
    'Admins of the conversation and the server key. Emits `conversation.updated` with ' +
    '`changes: { archivedAt: null }`; a conversation that is not archived is answered unchanged, no event.',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid() }),
  output: Conversation,
  run: (ctx, { id }) => setArchived(ctx, id, false),
})
