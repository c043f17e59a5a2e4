import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { forbidden } from '../ops/errors.js'
import { Input, Seq } from '../ops/schemas.js'
import { UUID_PATTERN } from '../lib/ids.js'
import { toEventFrame } from '../events/event-frame.js'
import type { EventFrame } from '../protocol/frames.js'
import { findRemovals, listMembershipPositions } from './sync.sql.js'
import { listEventsBetween } from '../events/event-log.sql.js'

const SyncEvent = Type.Object(
  {
    type: Type.Literal('event'),
    event: Type.String(),
    conversationId: Type.String(),
    seq: Type.Integer(),
    actorId: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    data: Type.Unknown(),
  },
  { description: 'the same shape as a live `event` frame' },
)

/** Most events one sync answer carries in all; past it, `hasMore` asks the client to call again. */
const MAX_EVENTS_PER_CALL = 2000

export const syncOp = defineOp({
  id: 'sync',
  path: '/v1/sync',
  tag: 'real time',
  summary: 'Resume: every durable event after the positions the client has seen',
  description:
    '`since` maps conversation id → last seq seen. For each of the caller’s conversations that changed, ' +
    'the events after that seq, in order, in the shape of live event frames; conversations the caller ' +
    'joined while away come too (from seq 0). A conversation named in `since` that the caller was removed ' +
    'from answers its events up to and including that removal. `reset: true` (no events) says: reload ' +
    'this one with list-messages — when more than PARLEY_SYNC_MAX_EVENTS (500) events were missed. ' +
    `At most ${MAX_EVENTS_PER_CALL} events per call; a conversation that does not fit in what is left gets a ` +
    'partial page (its first events after the position given), so the last event’s seq is then below `lastSeq`, ' +
    'which stays the conversation’s last seq. While `hasMore`, call again with the seq of the last event ' +
    'received per conversation (not `lastSeq`). ' +
    'A client that applies these and the live events, skipping any seq it already has, ends with the server’s state.',
  callers: ['user', 'agent'],
  input: Input({
    since: Type.Record(Type.String({ pattern: UUID_PATTERN }), Seq(), {
      // Without it a key that is not a conversation id would reach the store unchecked.
      additionalProperties: false,
      maxProperties: 10_000,
      description: 'conversation id → last seq seen',
    }),
  }),
  output: Type.Object({
    data: Type.Array(
      Type.Object({
        conversationId: Type.String(),
        events: Type.Array(SyncEvent),
        reset: Type.Optional(Type.Literal(true)),
        lastSeq: Type.Integer({
          description: 'the conversation’s last seq when this answer was read; above the last event’s seq on a partial page',
        }),
      }),
    ),
    hasMore: Type.Boolean(),
  }),
  async run(ctx, { since }) {
    const actor = ctx.actor
    if (actor.kind === 'server') throw forbidden('sync is for participants')
    const db = ctx.services.db
    const perConversation = ctx.services.config.syncMaxEventsPerConversation
    const memberships = await listMembershipPositions(db, actor.id)
    const mine = new Set(memberships.map((m) => m.conversation_id))
    // Named but no longer a member: replay up to the removal, which the client must learn of.
    const gone = Object.entries(since).filter(([id]) => !mine.has(id))
    const removals = await findRemovals(db, actor.id, gone.map(([conversationId, seq]) => ({ conversationId, seq })))
    const targets = [
      ...memberships.map((m) => ({ conversationId: m.conversation_id, after: since[m.conversation_id] ?? 0, upTo: m.last_seq })),
      ...removals.map((r) => ({ conversationId: r.conversation_id, after: since[r.conversation_id], upTo: r.seq })),
    ].filter((t) => t.upTo > t.after)

    const data: { conversationId: string; events: EventFrame[]; reset?: true; lastSeq: number }[] = []
    let budget = MAX_EVENTS_PER_CALL
    let hasMore = false
    for (const t of targets) {
      if (t.upTo - t.after > perConversation) {
        data.push({ conversationId: t.conversationId, events: [], reset: true, lastSeq: t.upTo })
        continue
      }
      if (budget === 0) {
        hasMore = true
        break
      }
      // A conversation longer than what is left of the budget gets a partial page from the
      // client's position (the log is gapless, so after + budget is exactly `budget` events);
      // skipping it instead would answer the same nothing on every call.
      const partial = t.upTo - t.after > budget
      if (partial) hasMore = true
      const events = await listEventsBetween(db, t.conversationId, t.after, partial ? t.after + budget : t.upTo)
      budget -= events.length
      data.push({ conversationId: t.conversationId, events: events.map(toEventFrame), lastSeq: t.upTo })
    }
    return { data, hasMore }
  },
})
