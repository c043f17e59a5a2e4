import { Type } from '@sinclair/typebox'
import { defineOp } from '../ops/define-op.js'
import { invalid, invalidField } from '../ops/errors.js'
import { Cursor, Input, Limit, Page, ParticipantId, Timestamp, Uuid } from '../ops/schemas.js'
import type { OpContext } from '../ops/context.js'
import { decodeCursor, encodeCursor } from '../lib/cursor.js'
import { loadConversationFor } from '../conversations/access.js'
import { Message } from '../messages/messages.schemas.js'
import { messageViewsFor } from '../messages/message-views.js'
import { MAX_TERMS, parseQuery } from './search-query.js'
import { HEADLINE_OPTIONS, highlightsOf } from './search-highlights.js'
import { searchMessages, type SearchScope } from './search.sql.js'

/** Longest query, in characters: a search box, not a document. */
export const MAX_QUERY_LENGTH = 256

const SearchHit = Type.Object({
  message: Message,
  highlights: Type.Array(Type.String(), {
    description: 'up to three plain-text snippets of the content, each match wrapped in « and » (never HTML)',
  }),
})

export const searchMessagesOp = defineOp({
  id: 'search-messages',
  path: '/v1/messages/search',
  tag: 'messages',
  summary: 'Search the messages the caller may read now, best match first',
  description:
    'Words match by stem in the configured language (PARLEY_SEARCH_LANGUAGE, default english), and the last word ' +
    'of 3 characters or more also as the beginning of a word, as typed ("deplo" finds "deployment"); every word ' +
    'must match. Plain text: no operators. Highlights mark matches with « and ». Chinese, ' +
    'Japanese, Thai and other scripts written without spaces match as substrings. Stop words alone match ' +
    'nothing. Without `conversationId`: the conversations the caller is a member of (the server key: all). ' +
    'With it: that conversation, if the caller may read it (a public channel, an agent owner’s view), else 404. ' +
    '`since` is inclusive, `until` exclusive. Best match first, ties newest first; deleted messages and ' +
    'system messages are never found. Default limit 20, at most 100.',
  callers: ['server', 'user', 'agent'],
  input: Input({
    query: Type.String({ minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'the words to find; plain text, no operators' }),
    conversationId: Type.Optional(Uuid('search only this conversation')),
    senderId: Type.Optional(ParticipantId('only messages of this sender')),
    since: Type.Optional(Timestamp('only messages created at or after this time')),
    until: Type.Optional(Timestamp('only messages created before this time')),
    cursor: Type.Optional(Cursor()),
    limit: Type.Optional(Limit(20, 100)),
  }),
  output: Page(SearchHit),
  async run(ctx, input) {
    const parsed = parseQuery(input.query)
    if (!parsed.terms) throw invalidField('query', 'must contain a word, not only white space')
    if (parsed.terms > MAX_TERMS) throw invalidField('query', `must have at most ${MAX_TERMS} words`)
    const since = input.since === undefined ? null : instant('since', input.since)
    const until = input.until === undefined ? null : instant('until', input.until)
    if (since && until && since >= until) throw invalid('until must be later than since', [{ path: 'until', message: 'must be later than since' }])
    const after = input.cursor === undefined ? null : searchCursor(input.cursor)
    const scope = await scopeOf(ctx, input.conversationId)

    const db = ctx.services.db
    const { searchLanguage: language, searchIndex: indexed } = ctx.services.config
    const limit = input.limit ?? 20
    const rows = await searchMessages(db, { language, indexed }, {
      scope,
      words: parsed.words || parsed.prefix ? { exact: parsed.words, prefix: parsed.prefix } : null,
      substrings: parsed.substrings,
      senderId: input.senderId ?? null,
      since,
      until,
      after,
      limit: limit + 1,
      headline: HEADLINE_OPTIONS,
    })
    const page = rows.slice(0, limit)
    const messages = await messageViewsFor(db, ctx.actor, page)
    const last = page[page.length - 1]
    return {
      data: page.map((r, i) => ({ message: messages[i], highlights: highlightsOf(r.content, r.headline, parsed.substrings) })),
      page: { hasMore: rows.length > limit, ...(rows.length > limit ? { nextCursor: encodeCursor([String(last.rank), last.position_at, last.id]) } : {}) },
    }
  },
})

/** A time bound in wire format; RFC 3339 that JavaScript cannot place (a leap second) is refused, as elsewhere. */
function instant(path: string, value: string): string {
  const t = new Date(value)
  if (Number.isNaN(t.getTime())) throw invalidField(path, 'is not a time this service can compare')
  return t.toISOString()
}

/** Where to search: one conversation the caller may read (404 like absent otherwise), or all the caller's. */
async function scopeOf(ctx: OpContext, conversationId: string | undefined): Promise<SearchScope> {
  if (conversationId !== undefined) {
    const { conv } = await loadConversationFor(ctx.services.db, ctx.actor, conversationId, 'read')
    return { kind: 'conversation', conversationId: conv.id }
  }
  // The server key acts as admin everywhere; a participant searches the conversations they are in.
  return ctx.actor.kind === 'server' ? { kind: 'all' } : { kind: 'member', participantId: ctx.actor.id }
}

/** A cursor is [rank, createdAt with microseconds, id] of the last match of the previous page. */
function searchCursor(cursor: string) {
  const [rank, createdAt, id] = decodeCursor(cursor, ['string', 'timestamp', 'uuid'] as const)
  if (!/^(0|[1-9]\d*)(\.\d+)?(e-?\d+)?$/.test(rank) || !Number.isFinite(Number(rank))) throw invalidField('cursor', 'is not a cursor this service issued')
  return { rank, createdAt, id }
}

export const searchOps = [searchMessagesOp]
