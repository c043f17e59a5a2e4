import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { forbidden, invalid, invalidField, notFound, ParleyError } from '../ops/errors.js'
import { Input, Metadata, ParticipantId, Seq, Uuid } from '../ops/schemas.js'
import { checkMetadata } from '../ops/metadata.js'
import { isParticipant, type OpContext } from '../ops/context.js'
import { loadConversationFor } from '../conversations/access.js'
import { postingRefusal } from '../conversations/posting-rule.js'
import { uuidv7 } from '../lib/ids.js'
import { Message } from './messages.schemas.js'
import { findReceipts } from '../reads/reads.sql.js'
import { messageViewFor, messageViewsFor, newMessageView } from './message-views.js'
import { loadMessageFor } from './message-access.js'
import { resolveMentionsIn } from './mentions.sql.js'
import {
  findMessageById,
  hasMessageBefore,
  listMessagesBefore,
  listMessagesFrom,
  type MessageRow,
} from './messages.sql.js'


export const sendMessageOp = defineOp({
  id: 'send-message',
  path: '/v1/messages/send',
  tag: 'messages',
  summary: 'Send a message; answers after it is durably committed, with its seq',
  description:
    'Content: 1 to PARLEY_MAX_MESSAGE_LENGTH (default 10,000) characters, not only white space. ' +
    'The same `clientMsgId` from the same sender in the same conversation returns the first message ' +
    '(200) instead of creating a second (201). A message is a reply (`replyToId`, a message of the ' +
    'same conversation) or a forward (`forwardOf`, a message id the caller may read; content defaults ' +
    'to the original’s), never both. Mentions: the members among `mentions` and among the `@id` tokens of ' +
    'the content, plus `@all` / `@here` where the sender may use them (docs/api.md); others are ignored. ' +
    '`metadata` is the app’s own JSON object (at most 8 KiB serialized), returned as sent.',
  callers: ['user', 'agent'],
  // A retry with the same clientMsgId finds the first message.
  status: { created: 201, existing: 200 },
  input: Input({
    conversationId: Uuid(),
    content: Type.Optional(Type.String({ description: 'the text; optional only when forwarding' })),
    clientMsgId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'sender-chosen idempotency key' })),
    replyToId: Type.Optional(Uuid()),
    forwardOf: Type.Optional(Uuid('id of the message to forward')),
    attachmentIds: Type.Optional(Type.Array(Uuid(), { maxItems: 0, description: 'attachments are not yet supported; must be empty' })),
    kind: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('notice')])),
    mentions: Type.Optional(
      Type.Array(ParticipantId(), { maxItems: 50, uniqueItems: true, description: 'participants to mention; counts toward their unread mention counts' }),
    ),
    metadata: Type.Optional(Metadata()),
  }),
  output: Message,
  async run(ctx, input) {
    const actor = ctx.actor
    if (!isParticipant(actor)) throw forbidden('the server key cannot send messages')
    checkMetadata('metadata', input.metadata)
    if (input.replyToId && input.forwardOf) throw invalid('a message is a reply or a forward, not both', [{ path: 'forwardOf', message: 'cannot be combined with replyToId' }])
    const db = ctx.services.db
    let threadRootId: string | null = null
    let forwardOf: MessageRow['forward_of'] = null
    let content = input.content
    if (input.replyToId || input.forwardOf) {
      // Replies and forwards read other messages: check the conversation first, for clear errors.
      const { conv, member } = await loadConversationFor(db, actor, input.conversationId, 'read')
      const refusal = postingRefusal(conv, member)
      if (refusal) throw refusal
      if (input.replyToId) {
        const parent = await findMessageById(db, input.replyToId)
        if (!parent || parent.conversation_id !== conv.id) throw invalidField('replyToId', 'is not a message of this conversation')
        if (parent.deleted_at) throw invalidField('replyToId', 'refers to a deleted message')
        if (parent.kind === 'system') throw invalidField('replyToId', 'refers to a system message, which starts no thread')
        threadRootId = parent.thread_root_id ?? parent.id
      }
      if (input.forwardOf) {
        const source = await loadReadableMessage(ctx, input.forwardOf).catch(() => {
          throw invalidField('forwardOf', 'is not a message you can read')
        })
        if (source.deleted_at) throw invalidField('forwardOf', 'refers to a deleted message')
        if (source.kind === 'system') throw invalidField('forwardOf', 'refers to a system message, which cannot be forwarded')
        // A forward of a forward points at the original.
        forwardOf = source.forward_of ?? {
          messageId: source.id,
          conversationId: source.conversation_id,
          senderId: source.sender_id,
          // Not 'system': system messages were refused just above.
          senderKind: source.sender_kind as 'user' | 'agent',
          createdAt: new Date(source.created_at).toISOString(),
        }
        content ??= source.content
      }
    }
    content = checkContent(content, ctx.services.config.maxMessageLength)
    // One read, only for a message that names someone (whom of them are members). A forward's
    // copied text is not the sender's: its @tokens mention no one here.
    const { mentions, wildcardMention } = await resolveMentionsIn(db, input.conversationId, actor.id, input.content === undefined ? null : content, input.mentions ?? [])

    // A plain send goes straight to the send queue, which checks membership and posting rights
    // under the conversation lock: no read before the write on the hot path.
    const { message, created } = await ctx.services.sends
      .send({
        id: uuidv7(),
        conversationId: input.conversationId,
        senderId: actor.id,
        senderKind: actor.kind,
        kind: input.kind ?? 'text',
        content,
        clientMsgId: input.clientMsgId ?? null,
        replyToId: input.replyToId ?? null,
        threadRootId,
        forwardOf,
        mentions,
        wildcardMention,
        metadata: input.metadata ?? null,
      })
      .catch(async (err) => {
        // A non-member learns nothing unless they could read the conversation (invariant 8).
        if (err instanceof ParleyError && err.options.reason === 'not_a_member') {
          await loadConversationFor(db, actor, input.conversationId, 'read')
        }
        throw err
      })
    if (created) return { outcome: 'created' as const, data: newMessageView(message) }
    return { outcome: 'existing' as const, data: await messageViewFor(db, actor, message) }
  },
})

/** Message text: present, not only white space, at most `max` code points. For sends and edits. */
export function checkContent(content: string | undefined, max: number): string {
  if (content === undefined) throw invalidField('content', 'is required')
  if (!content.trim()) throw invalidField('content', 'must not be empty or only white space')
  // Characters are Unicode code points, so an emoji counts once.
  let n = 0
  for (const _ of content) if (++n > max) throw invalidField('content', `must be at most ${max} characters`)
  return content
}

/** A message the caller may read (404 like a missing one otherwise). */
const loadReadableMessage = async (ctx: OpContext, id: string): Promise<MessageRow> => (await loadMessageFor(ctx.services.db, ctx.actor, id, 'read')).msg

export const getMessageOp = defineOp({
  id: 'get-message',
  path: '/v1/messages/{id}/get',
  tag: 'messages',
  summary: 'Get one message',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid() }),
  output: Message,
  async run(ctx, { id }) {
    return messageViewFor(ctx.services.db, ctx.actor, await loadReadableMessage(ctx, id).catch(() => Promise.reject(notFound('message'))))
  },
})

export const listMessagesOp = defineOp({
  id: 'list-messages',
  path: '/v1/messages/list',
  tag: 'messages',
  summary: 'A page of history, oldest first: the newest page, or before / after / around a seq',
  description:
    'At most one of `before` (messages with seq < before), `after` (seq > after) and `around` ' +
    '(about half before, the rest from `around` on). `page.hasBefore` / `hasAfter` say whether ' +
    'older / newer messages exist beyond this page. Default limit 50, at most 200.',
  callers: ['server', 'user', 'agent'],
  input: Input({
    conversationId: Uuid(),
    before: Type.Optional(Seq('messages strictly before this seq')),
    after: Type.Optional(Seq('messages strictly after this seq')),
    around: Type.Optional(Seq('a page centred on this seq')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  }),
  output: Type.Object({
    data: Type.Array(Message),
    page: Type.Object({ hasBefore: Type.Boolean(), hasAfter: Type.Boolean() }),
    receipts: Type.Object(
      {
        deliveredUpTo: Type.Integer({ description: 'every other member has received up to this seq' }),
        readUpTo: Type.Integer({ description: 'every other member has read up to this seq' }),
        others: Type.Integer({ description: 'how many other members' }),
        delivered: Type.Array(Type.Integer(), { description: 'each other member’s delivered cursor (for "delivered to 3 of 5")' }),
        read: Type.Array(Type.Integer(), { description: 'each other member’s read cursor' }),
      },
      { description: 'status of a message of seq S: read if S ≤ readUpTo, delivered if S ≤ deliveredUpTo, else sent' },
    ),
  }),
  async run(ctx, input) {
    const given = (['before', 'after', 'around'] as const).filter((k) => input[k] !== undefined)
    if (given.length > 1) throw invalid('give at most one of before, after and around', given.map((path) => ({ path, message: 'conflicts with ' + given.filter((g) => g !== path).join(', ') })))
    const db = ctx.services.db
    const { conv } = await loadConversationFor(db, ctx.actor, input.conversationId, 'read')
    const limit = input.limit ?? 50
    const newest = conv.last_message_seq ?? 0
    let rows: MessageRow[]
    let hasBefore: boolean
    if (input.after !== undefined) {
      rows = await listMessagesFrom(db, conv.id, input.after + 1, limit + 1)
      const more = rows.length > limit
      rows = rows.slice(0, limit)
      hasBefore = await hasMessageBefore(db, conv.id, rows.length ? rows[0].seq : input.after + 1)
      return page(ctx, conv.id, rows, hasBefore, more)
    }
    if (input.around !== undefined) {
      // Half before, half from `around` on; when one side runs short the other fills the page.
      const older = await listMessagesBefore(db, conv.id, input.around, limit + 1)
      const newer = await listMessagesFrom(db, conv.id, input.around, limit + 1)
      let olderTake = Math.min(older.length, Math.floor(limit / 2))
      const newerTake = Math.min(newer.length, limit - olderTake)
      olderTake = Math.min(older.length, limit - newerTake)
      return page(ctx, conv.id, [...older.slice(0, olderTake).reverse(), ...newer.slice(0, newerTake)], older.length > olderTake, newer.length > newerTake)
    }
    rows = await listMessagesBefore(db, conv.id, input.before ?? null, limit + 1)
    hasBefore = rows.length > limit
    rows = rows.slice(0, limit).reverse()
    const last = rows.length ? rows[rows.length - 1].seq : (input.before ?? newest + 1) - 1
    return page(ctx, conv.id, rows, hasBefore, newest > last)
  },
})

async function page(ctx: OpContext, conversationId: string, rows: MessageRow[], hasBefore: boolean, hasAfter: boolean) {
  const r = await findReceipts(ctx.services.db, conversationId, ctx.actor.kind === 'server' ? null : ctx.actor.id)
  const cursors = r.cursors ?? []
  return {
    data: await messageViewsFor(ctx.services.db, ctx.actor, rows),
    page: { hasBefore, hasAfter },
    receipts: {
      deliveredUpTo: r.delivered_up_to ?? 0,
      readUpTo: r.read_up_to ?? 0,
      others: r.others,
      delivered: cursors.map((c) => c.d).sort((a, b) => a - b),
      read: cursors.map((c) => c.r).sort((a, b) => a - b),
    },
  }
}

export const messagesOps = [sendMessageOp, listMessagesOp, getMessageOp]
