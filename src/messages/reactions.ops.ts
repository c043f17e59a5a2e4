import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { conflict, forbidden, invalidField } from '../ops/errors.js'
import { Cursor, Input, Limit, Page, Timestamp, Uuid } from '../ops/schemas.js'
import { isParticipant } from '../ops/context.js'
import { transact } from '../ops/transaction.js'
import { decodeCursor } from '../lib/cursor.js'
import { keysetPage } from '../lib/page.js'
import { iso } from '../lib/time.js'
import { assertWritable } from '../conversations/access.js'
import { appendEvents } from '../events/event-log.sql.js'
import type { NewEvent } from '../events/event-types.js'
import { Message } from './messages.schemas.js'
import { messageViewFor } from './message-views.js'
import { canonicalEmoji, EMOJI_MAX_LENGTH } from './reactions-emoji.js'
import { loadMessageFor, lockMessageFor } from './message-access.js'
import { deleteOtherReactions, deleteReaction, insertReaction, listReactions } from './reactions.sql.js'

/** Most different emoji one message carries (409 beyond), so a message view stays small. */
export const MAX_DISTINCT_EMOJI = 50

const RULE = 'one Unicode emoji (👍, 👩🏽‍💻, 🇫🇷, 1️⃣) or a :shortcode: of 1–64 of a–z 0–9 _ + -'
const Emoji = () => Type.String({ minLength: 1, maxLength: EMOJI_MAX_LENGTH, description: RULE })

function emojiOf(raw: string): string {
  const emoji = canonicalEmoji(raw)
  if (!emoji) throw invalidField('emoji', `must be ${RULE}`)
  return emoji
}

const reactionEvent = (type: 'reaction.added' | 'reaction.removed', messageId: string, userId: string, emoji: string): NewEvent => ({
  type,
  actorId: userId,
  data: { messageId, emoji, userId },
})

const WHO =
  'Members of the conversation (users and agents), whether or not they may post there (reacting is ' +
  'not posting: a read-only channel member reacts too); not a public channel’s non-members (403), and ' +
  'not the server key, which has no identity to react with. A message the caller cannot see is 404; ' +
  'an archived conversation is read-only (409).'

export const addReactionOp = defineOp({
  id: 'add-reaction',
  path: '/v1/messages/{id}/reactions/add',
  tag: 'messages',
  summary: 'React to a message with an emoji',
  description:
    `${WHO} The emoji is ${RULE}; a text-style emoji is stored in its emoji form (❤ as ❤️). ` +
    'Adding a reaction the caller already has changes nothing and emits nothing. With ' +
    '`PARLEY_REACTIONS=one` a new reaction replaces the caller’s previous one on the message ' +
    '(`reaction.removed` for the old, then `reaction.added`). A deleted message cannot be reacted to ' +
    `(409); a message carries at most ${MAX_DISTINCT_EMOJI} different emoji (409 for a new one beyond). ` +
    'Answers the message as the caller sees it.',
  callers: ['user', 'agent'],
  input: Input({ id: Uuid(), emoji: Emoji() }),
  output: Message,
  async run(ctx, input) {
    const actor = ctx.actor
    if (!isParticipant(actor)) throw forbidden('the server key cannot react')
    const emoji = emojiOf(input.emoji)
    const one = ctx.services.config.reactions === 'one'
    const msg = await transact(ctx, async (tx) => {
      const { conv, msg } = await lockMessageFor(tx, actor, input.id, 'member')
      assertWritable(conv)
      if (msg.deleted_at) throw conflict('the message is deleted')
      // `one`: the new reaction replaces the caller's others, which go first.
      const replaced = one ? await deleteOtherReactions(tx, msg.id, actor.id, emoji) : []
      const at = new Date()
      const r = await insertReaction(tx, { messageId: msg.id, conversationId: conv.id, participantId: actor.id, emoji, at: at.toISOString() }, MAX_DISTINCT_EMOJI)
      if (!r.added && !r.had) throw conflict(`a message carries at most ${MAX_DISTINCT_EMOJI} different reactions`)
      const events = [
        ...replaced.map((e) => reactionEvent('reaction.removed', msg.id, actor.id, e)),
        ...(r.added ? [reactionEvent('reaction.added', msg.id, actor.id, emoji)] : []),
      ]
      await appendEvents(tx, { id: conv.id, lastSeq: conv.last_seq }, events, at)
      return msg
    })
    // The answer is read after the commit: the conversation's lock is held no longer than the change needs.
    return messageViewFor(ctx.services.db, actor, msg)
  },
})

export const removeReactionOp = defineOp({
  id: 'remove-reaction',
  path: '/v1/messages/{id}/reactions/remove',
  tag: 'messages',
  summary: 'Take back one’s reaction to a message',
  description:
    `${WHO} Removing a reaction the caller does not have (or one on a deleted message, whose ` +
    'reactions went with it) changes nothing and emits nothing. Answers the message as the caller sees it.',
  callers: ['user', 'agent'],
  input: Input({ id: Uuid(), emoji: Emoji() }),
  output: Message,
  async run(ctx, input) {
    const actor = ctx.actor
    if (!isParticipant(actor)) throw forbidden('the server key cannot react')
    const emoji = emojiOf(input.emoji)
    const msg = await transact(ctx, async (tx) => {
      const { conv, msg } = await lockMessageFor(tx, actor, input.id, 'member')
      assertWritable(conv)
      if (await deleteReaction(tx, msg.id, actor.id, emoji)) {
        await appendEvents(tx, { id: conv.id, lastSeq: conv.last_seq }, [reactionEvent('reaction.removed', msg.id, actor.id, emoji)])
      }
      return msg
    })
    return messageViewFor(ctx.services.db, actor, msg)
  },
})

const Reaction = Type.Object({
  emoji: Type.String(),
  userId: Type.String({ description: 'who reacted (a user or an agent)' }),
  createdAt: Timestamp(),
})

export const listReactionsOp = defineOp({
  id: 'list-reactions',
  path: '/v1/messages/{id}/reactions/list',
  tag: 'messages',
  summary: 'Who reacted to a message with what, oldest first',
  description:
    'Whoever may read the message. One entry per participant and emoji, oldest first, keyset-paged; ' +
    '`emoji` narrows to one emoji (spelled as add-reaction takes it). Default limit 50, at most 200.',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid(), emoji: Type.Optional(Emoji()), cursor: Type.Optional(Cursor()), limit: Type.Optional(Limit()) }),
  output: Page(Reaction),
  async run(ctx, input) {
    const emoji = input.emoji === undefined ? null : emojiOf(input.emoji)
    const { msg } = await loadMessageFor(ctx.services.db, ctx.actor, input.id, 'read')
    const limit = input.limit ?? 50
    const after = input.cursor ? decodeCursor(input.cursor, ['timestamp', 'string', 'string'] as const) : undefined
    const rows = await listReactions(ctx.services.db, msg.id, emoji, after, limit + 1)
    return keysetPage(
      rows,
      limit,
      (r) => ({ emoji: r.emoji, userId: r.participant_id, createdAt: iso(r.created_at)! }),
      (last) => [iso(last.created_at)!, last.participant_id, last.emoji],
    )
  },
})

export const reactionsOps = [addReactionOp, removeReactionOp, listReactionsOp]
