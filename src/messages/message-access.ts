import type { Queryable, Tx } from '../store/db.js'
import type { Actor } from '../ops/actor.js'
import { notFound, ParleyError } from '../ops/errors.js'
import { isUuid } from '../lib/ids.js'
import { loadConversationFor, lockConversationFor, type ConversationAccess, type Need } from '../conversations/access.js'
import { findMessageById, type MessageRow } from './messages.sql.js'

/**
 * Loading a message together with the caller's access to its conversation, for the operations
 * on one message (edits, deletes, reactions, pins, threads). A message in a conversation the
 * caller may not see answers exactly like a missing one: 404 `message not found` (invariant 8).
 */

export type MessageAccess = ConversationAccess & { msg: MessageRow }

const asMessageNotFound = (err: unknown) => {
  throw err instanceof ParleyError && err.code === 'not_found' ? notFound('message') : err
}

/** The message and the caller's access, without locking (reads). */
export async function loadMessageFor(q: Queryable, actor: Actor, id: string, need: Need): Promise<MessageAccess> {
  const msg = isUuid(id) ? await findMessageById(q, id) : undefined
  if (!msg) throw notFound('message')
  const access = await loadConversationFor(q, actor, msg.conversation_id, need).catch(asMessageNotFound)
  return { ...access, msg }
}

/**
 * The same, holding the conversation's row lock for the rest of the transaction (writes that
 * append events). The message is read again under the lock, so a delete that committed while
 * we waited is seen.
 */
export async function lockMessageFor(tx: Tx, actor: Actor, id: string, need: Need): Promise<MessageAccess> {
  const found = isUuid(id) ? await findMessageById(tx, id) : undefined
  if (!found) throw notFound('message')
  const access = await lockConversationFor(tx, actor, found.conversation_id, need).catch(asMessageNotFound)
  const msg = await findMessageById(tx, id)
  if (!msg) throw notFound('message')
  return { ...access, msg }
}
