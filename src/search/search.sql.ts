import type { Db, Queryable } from '../store/db.js'
import { MESSAGE_COLUMNS, type MessageRow } from '../messages/messages.sql.js'
import { UNSPACED_CLASS } from './search-query.js'

/**
 * Search SQL (docs/api.md "Search"). Each message carries `search_vector`, a stored generated
 * column `to_tsvector('<language>', content)`: PostgreSQL computes it in the transaction that
 * writes the text (send, edit, delete), so a search reads the current text, never a stale copy,
 * and ranking reads it instead of parsing every match again. Two GIN indexes start with the
 * one-element array `ARRAY[conversation_id]`, so that a search of the caller's conversations is
 * one index scan (`&&` with the array of their conversation ids) intersected with the words
 * inside the index, and only the matching rows are read:
 * - `messages_search_words` on (ARRAY[conversation_id], search_vector): words;
 * - `messages_search_unspaced` on (ARRAY[conversation_id], content gin_trgm_ops) (pg_trgm,
 *   migration 0008_search.sql), only for messages that contain characters of scripts written
 *   without spaces: substrings.
 *
 * The language is part of the SQL text, not a parameter (a `pg_ts_config` name checked at start
 * by `ensureSearchIndexes` and by the pattern below, so it is never user text).
 */

const LANGUAGE = /^[a-z_][a-z0-9_]{0,62}$/

export const WORDS_INDEX = 'messages_search_words'
export const UNSPACED_INDEX = 'messages_search_unspaced'

/** Advisory lock serializing schema changes of search between nodes that start at once. */
const SEARCH_INDEX_LOCK = 7_310_043

/** The text search configurations this database knows. */
export async function listSearchLanguages(q: Queryable): Promise<string[]> {
  return (await q.query<{ cfgname: string }>('SELECT cfgname FROM pg_ts_config ORDER BY cfgname')).map((r) => r.cfgname)
}

const vectorOf = (language: string, column = 'content') => `to_tsvector('${checked(language)}'::regconfig, ${column})`

/**
 * Brings search's schema in line with the settings, at start. With `enabled`: the column
 * `search_vector` for `language` (added, or replaced when it was made for another language:
 * both rewrite the table) and both indexes (built when missing). Without (PARLEY_SEARCH_INDEX=off):
 * none of them, so writes do not pay for search. Idempotent and safe when several nodes start
 * at once: they queue on one advisory lock, the first does the work and the others find it
 * done. Answers what it built.
 */
export async function ensureSearchIndexes(db: Db, opts: { language: string; enabled: boolean }): Promise<string[]> {
  const known = await listSearchLanguages(db)
  if (!LANGUAGE.test(opts.language) || !known.includes(opts.language)) {
    throw new Error(`PARLEY_SEARCH_LANGUAGE=${opts.language} is not a text search configuration of this database; known: ${known.join(', ')}`)
  }
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SEARCH_INDEX_LOCK])
    const column = (
      await tx.query<{ expr: string }>(
        `SELECT pg_get_expr(d.adbin, d.adrelid) AS expr
           FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = 'messages'::regclass AND a.attname = 'search_vector' AND NOT a.attisdropped`,
      )
    )[0]
    const indexes = (
      await tx.query<{ name: string }>(
        `SELECT indexname AS name FROM pg_indexes
          WHERE schemaname = current_schema() AND tablename = 'messages' AND indexname LIKE 'messages\\_search\\_%'`,
      )
    ).map((r) => r.name)
    const built: string[] = []
    const current = column !== undefined && column.expr.includes(`'${opts.language}'::regconfig`)
    if (column && (!opts.enabled || !current)) {
      // Its index goes with it.
      await tx.exec('ALTER TABLE messages DROP COLUMN search_vector')
      const at = indexes.indexOf(WORDS_INDEX)
      if (at >= 0) indexes.splice(at, 1)
    }
    if (!opts.enabled) {
      for (const name of indexes) await tx.exec(`DROP INDEX IF EXISTS "${name.replace(/"/g, '""')}"`)
      return built
    }
    if (!current) {
      await tx.exec(`ALTER TABLE messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (${vectorOf(opts.language)}) STORED`)
      built.push(`search_vector (${opts.language})`)
    }
    if (!current || !indexes.includes(WORDS_INDEX)) {
      await tx.exec(`CREATE INDEX IF NOT EXISTS ${WORDS_INDEX} ON messages USING gin ((ARRAY[conversation_id]), search_vector)`)
      built.push(WORDS_INDEX)
    }
    if (!indexes.includes(UNSPACED_INDEX)) {
      // Only messages with unspaced characters: a send in a spaced script does not pay for it.
      await tx.exec(`CREATE INDEX ${UNSPACED_INDEX} ON messages USING gin ((ARRAY[conversation_id]), content gin_trgm_ops) WHERE content ~ '${UNSPACED_CLASS}'`)
      built.push(UNSPACED_INDEX)
    }
    return built
  })
}

/** Which messages a search may see. */
export type SearchScope =
  | { kind: 'member'; participantId: string }
  | { kind: 'conversation'; conversationId: string }
  | { kind: 'all' }

export interface SearchSpec {
  scope: SearchScope
  /**
   * The words (parseQuery's `words` and `prefix`), or null for a substring-only search.
   * Normalized by `to_tsquery` in the statement: only stop words or punctuation give an empty
   * tsquery, which matches nothing.
   */
  words: { exact: string; prefix: string | null } | null
  /** Substrings (of unspaced scripts) every match must contain. */
  substrings: string[]
  senderId: string | null
  since: string | null
  until: string | null
  /** Keyset position after which to continue: rank (float4 as text), created_at, id. */
  after: { rank: string; createdAt: string; id: string } | null
  limit: number
  /** `ts_headline` options (StartSel, StopSel, fragments). */
  headline: string
}

export interface SearchRow extends MessageRow {
  rank: number
  /** `ts_headline` of the content (fragments separated by U+001F), null without words. */
  headline: string | null
  /** created_at with its microseconds, for the cursor (a Date keeps milliseconds only). */
  position_at: string
}

/** How this deployment searches: its language, and whether `search_vector` and the indexes exist. */
export interface SearchSettings {
  language: string
  indexed: boolean
}

function checked(language: string): string {
  if (!LANGUAGE.test(language)) throw new Error(`not a text search configuration name: ${language}`)
  return language
}

/** The conversations searched: as the search indexes' first column sees them, or (no index) as the primary key does. */
const SCOPES: Record<'indexed' | 'plain', Record<SearchScope['kind'], string>> = {
  indexed: {
    member: 'ARRAY[m.conversation_id] && ARRAY(SELECT mb.conversation_id FROM members mb WHERE mb.member_id = $1)',
    conversation: 'ARRAY[m.conversation_id] && ARRAY[$1::uuid]',
    all: '$1::text IS NULL',
  },
  plain: {
    member: 'm.conversation_id = ANY (ARRAY(SELECT mb.conversation_id FROM members mb WHERE mb.member_id = $1))',
    conversation: 'm.conversation_id = $1::uuid',
    all: '$1::text IS NULL',
  },
}

/** Trigrams need 3 characters: a shorter substring is looked for only among the unspaced messages of the conversations. */
const MIN_TRIGRAM_LENGTH = 3

/** A substring as a LIKE pattern (`%…%`), with LIKE's own wildcards escaped. */
export function likePattern(substring: string): string {
  return '%' + substring.replace(/[\\%_]/g, (c) => '\\' + c) + '%'
}

interface Variant {
  scope: SearchScope['kind']
  words: boolean
  substrings: boolean
  /** The longest substring has trigrams, so it may drive the trigram index. */
  trigrams: boolean
}

/**
 * One statement per (settings, variant): static text, so each is prepared once per
 * connection. Parameters: $1 scope value, $2 the words matched by stem (`to_tsquery` input),
 * $3 LIKE patterns of every substring, $4 sender, $5 since, $6 until, $7–$9 the keyset position,
 * $10 limit, $11 ts_headline options, $12 the LIKE pattern that drives the trigram index, $13 the
 * last word when it may be a prefix. Every parameter appears in every statement (an unused one
 * would have no type).
 *
 * Best match first: `ts_rank` of the words (normalization 1: divided by 1 + the log of the
 * length, so a short message that says it beats a long one that mentions it), ties newest
 * first. A substring-only search ranks every match 0: newest first.
 */
function searchStatement({ language, indexed }: SearchSettings, v: Variant): string {
  const lang = `'${checked(language)}'::regconfig`
  // Without the column (PARLEY_SEARCH_INDEX=off) the same expression, computed as rows are read.
  const vector = indexed ? 'm.search_vector' : vectorOf(language, 'm.content')
  // The last word matches by its stem (`going`: go) or as the beginning of a word as typed,
  // unstemmed (`deplo`: deploy…) — not as the beginning of its stem, which would make `going`
  // find `good`. Unless it is a stop word. In a sub-select, so it is evaluated once per execution
  // (an InitPlan), also in a generic plan of the prepared statement, where a bare to_tsquery
  // would be parsed again for every row ranked.
  const last = `to_tsquery(${lang}, $13::text)`
  const query = `(SELECT CASE WHEN $13::text IS NULL OR numnode(${last}) = 0 THEN to_tsquery(${lang}, $2::text)
                   ELSE to_tsquery(${lang}, $2::text) && (${last} || to_tsquery('simple'::regconfig, $13::text || ':*')) END)`
  const rank = v.words ? `ts_rank(${vector}, ${query}, 1)` : '0::real'
  // With substrings too, words that are all stop words leave the substrings to match alone.
  const wordsMatch = v.substrings ? `(numnode(${query}) = 0 OR ${vector} @@ ${query})` : `${vector} @@ ${query}`
  const where = [
    SCOPES[indexed ? 'indexed' : 'plain'][v.scope],
    v.words ? wordsMatch : '$2::text IS NULL AND $13::text IS NULL',
    // The predicate of the trigram index, word for word, so the planner may use that index.
    v.substrings ? `m.content ~ '${UNSPACED_CLASS}' AND m.content LIKE ALL ($3::text[])` : 'cardinality($3::text[]) = 0',
    v.trigrams ? 'm.content LIKE $12::text' : '$12::text IS NULL',
    'm.deleted_at IS NULL',
    "m.kind <> 'system'",
    '($4::text IS NULL OR m.sender_id = $4)',
    '($5::timestamptz IS NULL OR m.created_at >= $5)',
    '($6::timestamptz IS NULL OR m.created_at < $6)',
    '($7::real IS NULL OR r.rank < $7 OR (r.rank = $7 AND (m.created_at, m.id) < ($8::timestamptz, $9::uuid)))',
  ]
  const headline = v.words ? `ts_headline(${lang}, replace(m.content, chr(31), ' '), ${query}, $11::text)` : 'CASE WHEN $11::text IS NULL THEN NULL END'
  const columns = MESSAGE_COLUMNS.split(',').map((c) => 'm.' + c.trim()).join(', ')
  // Matches are ranked and sorted narrow (key, rank, time); only the page's rows are read whole.
  return `
WITH hits AS (
  SELECT m.conversation_id, m.seq, m.created_at, m.id, r.rank
    FROM messages m CROSS JOIN LATERAL (SELECT ${rank} AS rank) r
   WHERE ${where.join('\n     AND ')}
   ORDER BY r.rank DESC, m.created_at DESC, m.id DESC
   LIMIT $10)
SELECT ${columns}, h.rank, ${headline} AS headline,
       to_char(h.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at
  FROM hits h JOIN messages m ON m.conversation_id = h.conversation_id AND m.seq = h.seq
 ORDER BY h.rank DESC, h.created_at DESC, h.id DESC`
}

const statements = new Map<string, string>()

/** A page of matches (up to `limit` rows), best first. */
export async function searchMessages(q: Queryable, settings: SearchSettings, spec: SearchSpec): Promise<SearchRow[]> {
  const longest = spec.substrings.reduce((a, b) => ([...b].length > [...a].length ? b : a), '')
  const v: Variant = {
    scope: spec.scope.kind,
    words: spec.words !== null,
    substrings: spec.substrings.length > 0,
    trigrams: [...longest].length >= MIN_TRIGRAM_LENGTH,
  }
  if (!v.words && !v.substrings) return []
  const key = `${settings.language}|${settings.indexed}|${v.scope}|${v.words}|${v.substrings}|${v.trigrams}`
  let sql = statements.get(key)
  if (!sql) statements.set(key, (sql = searchStatement(settings, v)))
  const scopeValue = spec.scope.kind === 'member' ? spec.scope.participantId : spec.scope.kind === 'conversation' ? spec.scope.conversationId : null
  return q.query<SearchRow>(sql, [
    scopeValue,
    spec.words?.exact ?? null,
    spec.substrings.map(likePattern),
    spec.senderId,
    spec.since,
    spec.until,
    spec.after?.rank ?? null,
    spec.after?.createdAt ?? null,
    spec.after?.id ?? null,
    spec.limit,
    spec.headline,
    v.trigrams ? likePattern(longest) : null,
    spec.words?.prefix ?? null,
  ])
}
