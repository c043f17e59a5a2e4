import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { conflict, forbidden, invalidField } from '../ops/errors.js'
import { checkMetadata } from '../ops/metadata.js'
import { Cursor, Input, Limit, Metadata, Nullable, Page, ParticipantId, Timestamp, Uuid } from '../ops/schemas.js'
import { transact } from '../ops/transaction.js'
import { assertWritable } from '../conversations/access.js'
import { appendEvent } from '../events/event-log.sql.js'
import { decodeCursor } from '../lib/cursor.js'
import { keysetPage } from '../lib/page.js'
import { iso } from '../lib/time.js'
import { Message } from './messages.schemas.js'
import { checkContent } from './messages.ops.js'
import { messageViewFor } from './message-views.js'
import { loadMessageFor, lockMessageFor } from './message-access.js'
import { resolveMentionsIn } from './mentions.sql.js'
import { sameMentions } from './mentions.js'
import { editMessage, listEdits } from './edits.sql.js'

export const editMessageOp = defineOp({
  id: 'edit-message',
  path: '/v1/messages/{id}/update',
  tag: 'messages',
  summary: 'Edit one’s own message; earlier versions are kept',
  description:
    'The author only (another member: 403; someone who may not read the message: 404), while a member of the ' +
    'conversation, within PARLEY_EDIT_WINDOW_SECONDS of sending when that is set (403 after). `content` follows ' +
    'the rules of send-message. Mentions are evaluated again: the members among `mentions` (default: none) and ' +
    'among the content’s `@id` tokens, and `@all` / `@here` where allowed. `metadata` replaces the message’s ' +
    '(`null` removes it; omitted: kept). A deleted message, or one in an archived conversation, cannot be ' +
    'edited (409). Emits `message.updated` with the whole new view and sets `editedAt`; the version replaced ' +
    'goes to the history (list-message-edits). An edit that changes nothing emits nothing and answers the message.',
  callers: ['user', 'agent'],
  input: Input({
    id: Uuid(),
    content: Type.String({ description: 'the new text' }),
    mentions: Type.Optional(
      Type.Array(ParticipantId(), { maxItems: 50, uniqueItems: true, description: 'participants to mention, besides the content’s @id tokens' }),
    ),
    metadata: Type.Optional(Nullable(Metadata())),
  }),
  output: Message,
  async run(ctx, input) {
    const content = checkContent(input.content, ctx.services.config.maxMessageLength)
    checkMetadata('metadata', input.metadata)
    const actor = ctx.actor
    if (actor.kind === 'server') throw forbidden('the server key cannot edit messages')
    return transact(ctx, async (tx) => {
      const { msg, conv, access } = await lockMessageFor(tx, actor, input.id, 'read')
      if (msg.kind === 'system') throw forbidden('system messages cannot be edited')
      if (msg.sender_id !== actor.id) throw forbidden('only the author may edit a message')
      if (access !== 'member') throw forbidden('only members may edit their messages')
      if (msg.deleted_at) throw conflict('the message is deleted')
      assertWritable(conv)
      const window = ctx.services.config.editWindowSeconds
      if (window > 0 && Date.now() - new Date(msg.created_at).getTime() > window * 1000) {
        throw forbidden(`messages can be edited for ${window} seconds after sending`)
      }
      const resolved = await resolveMentionsIn(tx, conv.id, actor.id, content, input.mentions ?? [])
      const metadata = input.metadata === undefined ? msg.metadata : input.metadata
      const unchanged =
        content === msg.content &&
        sameMentions(resolved, { mentions: msg.mentions, wildcardMention: msg.wildcard_mention }) &&
        canonicalJson(metadata) === canonicalJson(msg.metadata)
      if (unchanged) return messageViewFor(tx, actor, msg)
      const row = await editMessage(tx, msg.id, { content, ...resolved, metadata }, actor.id, new Date().toISOString())
      await appendEvent(tx, { id: conv.id, lastSeq: conv.last_seq }, { type: 'message.updated', actorId: actor.id, data: await messageViewFor(tx, null, row) })
      return messageViewFor(tx, actor, row)
    })
  },
})

const Version = Type.Object({
  content: Type.String(),
  editedAt: Timestamp('when this version was replaced by the next'),
})

export const listMessageEditsOp = defineOp({
  id: 'list-message-edits',
  path: '/v1/messages/{id}/edits/list',
  tag: 'messages',
  summary: 'Earlier versions of an edited message, oldest first',
  description:
    'Whoever may read the message. Each entry is a version the message had before an edit: its `content` and ' +
    '`editedAt`, when that edit replaced it. The first entry is the original; the current text is the message’s ' +
    'own. None for a message never edited, and none for a deleted message (a delete erases its history). ' +
    'Default limit 50, at most 200.',
  callers: ['server', 'user', 'agent'],
  input: Input({ id: Uuid(), cursor: Type.Optional(Cursor()), limit: Type.Optional(Limit(50, 200)) }),
  output: Page(Version),
  async run(ctx, input) {
    const { msg } = await loadMessageFor(ctx.services.db, ctx.actor, input.id, 'read')
    const limit = input.limit ?? 50
    const after = input.cursor ? versionCursor(input.cursor) : 0
    const rows = msg.deleted_at ? [] : await listEdits(ctx.services.db, msg.id, after, limit + 1)
    return keysetPage(rows, limit, (r) => ({ content: r.content, editedAt: iso(r.edited_at)! }), (last) => [String(last.version)])
  },
})

/** A cursor is [version], the last version of the previous page. */
function versionCursor(cursor: string): number {
  const [v] = decodeCursor(cursor, ['string'] as const)
  if (!/^[1-9]\d{0,8}$/.test(v)) throw invalidField('cursor', 'is not a cursor this service issued')
  return Number(v)
}

/** JSON with object keys sorted, so two equal objects compare equal (jsonb reorders keys). */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v ?? null, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  )
}
