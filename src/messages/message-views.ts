import type { Queryable } from '../store/db.js'
import type { Actor } from '../ops/actor.js'
import type { Message } from './messages.schemas.js'
import { toMessageView, type MessageRow } from './messages.sql.js'
import { summarizeReactions } from './reactions.sql.js'
import { findPins } from './pins.sql.js'
import { findThreadCursors } from './threads.sql.js'
import { iso } from '../lib/time.js'

/**
 * The one place a message row becomes the view a caller receives. `toMessageView` shapes what
 * the row itself holds; what lives in other tables (reactions with the caller's own `me`,
 * pins, thread participants) is added here for a whole page at once, one query per part, never
 * per message. Every operation that answers messages goes through this (events carry the
 * caller-free view: `viewer` null, `me` false).
 */
export async function messageViewsFor(q: Queryable, viewer: Actor | null, rows: MessageRow[]): Promise<Message[]> {
  const views = rows.map(toMessageView)
  // A tombstone has no reactions and no pin: delete-message removes them with the message.
  const live = rows.filter((r) => !r.deleted_at).map((r) => r.id)
  if (live.length) {
    await addReactions(q, views, live, viewer && viewer.kind !== 'server' ? viewer.id : null)
    await addPins(q, views, live)
  }
  if (viewer && viewer.kind !== 'server') await addThreadCursors(q, views, viewer.id)
  return views
}

const byId = (views: Message[]) => new Map(views.map((v) => [v.id, v]))

/** `reactions: { "<emoji>": { count, me } }`, emoji in the order first used; `me` is the viewer's. */
async function addReactions(q: Queryable, views: Message[], ids: string[], viewerId: string | null): Promise<void> {
  const rows = await summarizeReactions(q, ids, viewerId)
  if (!rows.length) return
  const view = byId(views)
  for (const r of rows) view.get(r.message_id)!.reactions[r.emoji] = { count: r.count, me: r.me }
}

/** `pinnedAt` / `pinnedBy` of the pinned messages among the page. */
async function addPins(q: Queryable, views: Message[], ids: string[]): Promise<void> {
  const pins = await findPins(q, ids)
  if (!pins.length) return
  const view = byId(views)
  for (const p of pins) Object.assign(view.get(p.message_id)!, { pinnedAt: iso(p.pinned_at)!, pinnedBy: p.pinned_by })
}

/** `thread.lastReadSeq`: the viewer's cursor in each thread of the page they follow (else null). */
async function addThreadCursors(q: Queryable, views: Message[], viewerId: string): Promise<void> {
  const roots = views.filter((v) => v.thread)
  if (!roots.length) return
  const cursors = await findThreadCursors(q, viewerId, roots.map((v) => v.id))
  for (const v of roots) v.thread!.lastReadSeq = cursors.get(v.id) ?? null
}

export async function messageViewFor(q: Queryable, viewer: Actor | null, row: MessageRow): Promise<Message> {
  return (await messageViewsFor(q, viewer, [row]))[0]
}

/**
 * The view of a message the caller has just created: nobody can have reacted to it, pinned it
 * or replied to it yet, so the row alone is the whole view. Keeps the send path at one
 * statement (a retry that finds an earlier message reads the full view instead).
 */
export const newMessageView = (row: MessageRow): Message => toMessageView(row)
