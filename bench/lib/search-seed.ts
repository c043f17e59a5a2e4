/**
 * Seeds a search workload straight in SQL (server stopped, or before it starts): participants,
 * conversations, memberships and N messages of Zipf-distributed text (bench/lib/search-corpus.ts)
 * spread over many conversations whose sizes are Zipf-distributed too (one "general" channel
 * holds ~7 % of all messages, most conversations a few dozen). The same SQL on PGlite and
 * PostgreSQL. Only the rows search reads are written: message.created events are not (search
 * never reads the log), so the log of a seeded conversation starts after its seeded messages.
 */
import type { SqlRunner } from './seed-sql.js'
import { CJK_PHRASES, vocabulary } from './search-corpus.js'

export interface SearchSeedSpec {
  messages: number
  conversations: number
  users: number
  /** Conversations the searching user is a member of (the largest one among them). */
  searcherConversations: number
  /** Share of messages written in Chinese or Japanese. */
  cjkShare: number
  chunk: number
}

export interface SearchSeed {
  searcherId: string
  /** The searcher's conversations, largest first. */
  searcherConversationIds: string[]
  /** The largest conversation (the searcher is a member). */
  bigConversationId: string
  bigConversationMessages: number
  /** Messages in the searcher's conversations. */
  readableMessages: number
  senderIds: string[]
  vocabulary: string[]
  seconds: { rows: number; messages: number; analyze: number }
}

/** Conversation ids are deterministic per rank, so the seed needs no round trip per row. */
const convId = (rank: number) => `00000000-0000-7000-8000-${rank.toString(16).padStart(12, '0')}`

/** Each message's conversation, time and text, drawn in SQL; seqs are numbered afterwards. */
const STAGE_MESSAGES = `
INSERT INTO seed_messages (g, conv, ms, sender, content)
SELECT r.g, r.conv, r.ms, 'bu_' || (1 + (r.g * 7919) % $5::int),
       CASE WHEN random() < $7::float8
            THEN ($6::text[])[floor(exp(random() * ln(cardinality($6::text[]) + 1)))::int]
                 || CASE WHEN r.g % 2 = 0 THEN '' ELSE ' ' || (
                      SELECT string_agg(($4::text[])[floor(exp(random() * ln(cardinality($4::text[]) + 1)))::int], ' ')
                        FROM generate_series(1, 1 + r.g % 4) AS w) END
            ELSE (SELECT string_agg(($4::text[])[floor(exp(random() * ln(cardinality($4::text[]) + 1)))::int], ' ')
                    FROM generate_series(1, 3 + (r.g * 31) % 18) AS w)
       END
  FROM (SELECT g, floor(exp(random() * ln($3::int + 1)))::int AS conv, $8::bigint + g * $9::bigint AS ms
          FROM generate_series($1::bigint, $2::bigint) AS g) AS r`

/** Into messages in the rows the service writes, gapless seqs per conversation in time order. */
const INSERT_MESSAGES = `
INSERT INTO messages (conversation_id, seq, id, sender_id, sender_kind, kind, content, created_at)
SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(s.conv), 12, '0'))::uuid,
       row_number() OVER (PARTITION BY s.conv ORDER BY s.g),
       (lpad(to_hex(s.ms), 12, '0') || '7' || substr(md5(s.g::text), 1, 3) || '8' || substr(md5(s.g::text), 4, 15))::uuid,
       s.sender, 'user', 'text', s.content, to_timestamp(s.ms / 1000.0)
  FROM seed_messages s`

export async function seedSearch(db: SqlRunner, spec: SearchSeedSpec): Promise<SearchSeed> {
  const t0 = performance.now()
  const words = vocabulary()
  const searcherId = 'bench_searcher'
  const senderIds = Array.from({ length: spec.users }, (_, i) => `bu_${i + 1}`)
  // The searcher is in the largest conversation ("general") and in conversations of falling
  // size, ranks 10 to half the count growing geometrically, like a user of a big workspace.
  const growth = (spec.conversations / 20) ** (1 / Math.max(1, spec.searcherConversations - 2))
  const ranks = [1]
  for (let r = 10; ranks.length < spec.searcherConversations; r = Math.max(r + 1, Math.round(r * growth))) {
    if (r > spec.conversations) throw new Error('too few conversations for the searcher')
    ranks.push(r)
  }
  const now = new Date()
  let t1 = t0
  await db.query('BEGIN')
  try {
    await db.query(
      `INSERT INTO participants (id, kind, name) SELECT 'bu_' || g, 'user', 'Bench user ' || g FROM generate_series(1, $1::int) g`,
      [spec.users],
    )
    await db.query(`INSERT INTO participants (id, kind, name) VALUES ($1, 'user', 'Bench searcher')`, [searcherId])
    await db.query(
      `INSERT INTO conversations (id, type, name, visibility, max_members, last_activity_at, created_at, updated_at)
       SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
              CASE WHEN g % 3 = 0 THEN 'channel' ELSE 'group' END, 'Conversation ' || g,
              CASE WHEN g % 6 = 0 THEN 'public' ELSE 'private' END, 1000, $2, $2, $2
         FROM generate_series(1, $1::int) g`,
      [spec.conversations, now],
    )
    // Members: the searcher in its conversations; three senders in every conversation.
    await db.query(
      `INSERT INTO members (conversation_id, member_id, role, joined_at)
       SELECT c, $1, 'member', $3 FROM unnest($2::uuid[]) AS c`,
      [searcherId, ranks.map(convId), now],
    )
    await db.query(
      `INSERT INTO members (conversation_id, member_id, role, joined_at)
       SELECT DISTINCT ON (1, 2) ('00000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'bu_' || (1 + (g::bigint * k * 104729) % $2::int), 'member', $3
         FROM generate_series(1, $1::int) g, generate_series(1, 3) k`,
      [spec.conversations, spec.users, now],
    )
    t1 = performance.now()
    // Messages one millisecond × 30 apart, ending now: about a year of history at 1M.
    const step = 30
    const baseMs = now.getTime() - spec.messages * step - 60_000
    await db.query('CREATE TEMP TABLE seed_messages (g bigint, conv int, ms bigint, sender text, content text) ON COMMIT DROP')
    for (let from = 1; from <= spec.messages; from += spec.chunk) {
      const to = Math.min(spec.messages, from + spec.chunk - 1)
      await db.query(STAGE_MESSAGES, [from, to, spec.conversations, words, spec.users, CJK_PHRASES, spec.cjkShare, baseMs, step])
    }
    await db.query(INSERT_MESSAGES)
    await db.query(
      `UPDATE conversations c SET last_seq = x.n, last_message_seq = x.n, last_activity_at = x.at
         FROM (SELECT conversation_id, max(seq) AS n, max(created_at) AS at FROM messages GROUP BY conversation_id) x
        WHERE c.id = x.conversation_id`,
    )
    await db.query(`UPDATE conversations c SET member_count = (SELECT count(*) FROM members m WHERE m.conversation_id = c.id)`)
    await db.query('COMMIT')
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined)
    throw err
  }
  const t2 = performance.now()
  await db.query('VACUUM ANALYZE messages').catch(() => db.query('ANALYZE messages'))
  await db.query('ANALYZE members')
  await db.query('ANALYZE conversations')
  const t3 = performance.now()
  const sizes = (
    await db.query(
      `SELECT conversation_id::text AS id, count(*)::int AS n FROM messages WHERE conversation_id = ANY ($1::uuid[]) GROUP BY 1 ORDER BY 2 DESC`,
      [ranks.map(convId)],
    )
  ).rows as { id: string; n: number }[]
  return {
    searcherId,
    searcherConversationIds: sizes.map((s) => s.id),
    bigConversationId: convId(1),
    bigConversationMessages: sizes.find((s) => s.id === convId(1))?.n ?? 0,
    readableMessages: sizes.reduce((a, s) => a + s.n, 0),
    senderIds,
    vocabulary: words,
    seconds: { rows: (t1 - t0) / 1000, messages: (t2 - t1) / 1000, analyze: (t3 - t2) / 1000 },
  }
}
