import type { Tx } from '../store/db.js'
import type { OpContext } from '../ops/context.js'
import { uuidv7 } from '../lib/ids.js'
import { appendEvent } from '../events/event-log.sql.js'
import type { ConversationRow } from '../conversations/conversations.sql.js'
import type { Message } from './messages.schemas.js'
import { messageViewFor } from './message-views.js'
import { findParticipantNames, insertSystemMessage } from './system-messages.sql.js'

/**
 * System messages: `kind: "system"` messages Parley writes itself, in the transaction of the
 * change they tell of (member joined, left, added, removed; conversation renamed), after that
 * change's own events. Each takes its own seq as a `message.created`; sender `system`. `content`
 * is a short English sentence for clients that show it as is; `system` holds what happened
 * (`{ event, actorId, targetIds, name?, previousName? }`) for clients that render their own,
 * localized text. They are never unread (src/reads/unread.sql.ts). PARLEY_SYSTEM_MESSAGES=off
 * turns them off.
 */
export type SystemNote = NonNullable<Message['system']>

/**
 * Appends the system message telling `note`, when the deployment has them on. Runs inside the
 * conversation's row lock, after the change's own events; advances `conv.last_seq`.
 */
export async function appendSystemMessage(ctx: Pick<OpContext, 'services'>, tx: Tx, conv: ConversationRow, note: SystemNote): Promise<void> {
  if (!ctx.services.config.systemMessages) return
  const names = await findParticipantNames(tx, [...(note.actorId ? [note.actorId] : []), ...note.targetIds])
  const at = new Date()
  const cursor = { id: conv.id, lastSeq: conv.last_seq }
  const row = await insertSystemMessage(tx, {
    conversationId: conv.id,
    seq: cursor.lastSeq + 1,
    id: uuidv7(at.getTime()),
    content: systemText(conv, note, (id) => names.get(id) ?? id),
    system: note,
    at: at.toISOString(),
  })
  await appendEvent(tx, cursor, { type: 'message.created', actorId: note.actorId, data: await messageViewFor(tx, null, row) }, at)
  conv.last_seq = cursor.lastSeq
}

/** The English sentence of a system message. */
export function systemText(conv: Pick<ConversationRow, 'type'>, note: SystemNote, name: (id: string) => string): string {
  const actor = note.actorId ? name(note.actorId) : null
  const targets = listOf(note.targetIds.map(name))
  const passive = note.targetIds.length === 1 ? 'was' : 'were'
  switch (note.event) {
    case 'member.joined':
      return `${targets} joined`
    case 'member.left':
      return `${targets} left`
    case 'member.added':
      return actor ? `${actor} added ${targets}` : `${targets} ${passive} added`
    case 'member.removed':
      return actor ? `${actor} removed ${targets}` : `${targets} ${passive} removed`
    case 'conversation.renamed':
      if (note.name === null || note.name === undefined) return actor ? `${actor} removed the ${conv.type} name` : `The ${conv.type} name was removed`
      return actor ? `${actor} renamed the ${conv.type} to “${note.name}”` : `The ${conv.type} was renamed to “${note.name}”`
  }
}

/** "Ada", "Ada and Bob", "Ada, Bob and Cy", "Ada, Bob, Cy and 4 others". */
function listOf(names: string[]): string {
  if (names.length <= 1) return names[0] ?? ''
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
  const rest = names.length - 3
  return `${names.slice(0, 3).join(', ')} and ${rest} other${rest === 1 ? '' : 's'}`
}
