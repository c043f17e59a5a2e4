/**
 * History seeding: N messages appended to one conversation straight in SQL, in the rows the
 * service itself writes (messages + their message.created events, gapless seqs after the
 * conversation's last_seq, then conversations.last_seq / last_message_seq). Runs with the
 * server stopped, in one transaction, a few INSERT … SELECT FROM generate_series statements.
 */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>
}

export interface SeedSpec {
  conversationId: string
  senderIds: string[]
  messages: number
  chunk: number
  contentLength: number
}

export interface SeedResult {
  firstSeq: number
  lastSeq: number
  messagesSeconds: number
  eventsSeconds: number
  analyzeSeconds: number
  totalSeconds: number
  statements: number
  messagesTableBytes?: number
  eventsTableBytes?: number
}

/**
 * Ids are UUIDv7 like the service's (48-bit millisecond time = created_at, then md5 bits), one
 * millisecond apart, ending now. Content is `history message <n> ` padded with x to the
 * configured length.
 */
const INSERT_MESSAGES = `
INSERT INTO messages (conversation_id, seq, id, sender_id, sender_kind, kind, content, created_at)
SELECT $1::uuid, $6::bigint + g,
       (lpad(to_hex($5::bigint + g), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
       ($4::text[])[1 + (g % cardinality($4::text[]))],
       'user', 'text',
       rpad('history message ' || g || ' ', $8::int, 'x'),
       to_timestamp(($5::bigint + g) / 1000.0)
  FROM generate_series($2::bigint, $3::bigint) AS g,
       LATERAL (SELECT md5($7::text || g::text) AS h) AS r`

/** The event of each message, with the same data the service puts in message.created (the message view). */
const INSERT_EVENTS = `
INSERT INTO events (conversation_id, seq, type, actor_id, data, created_at)
SELECT m.conversation_id, m.seq, 'message.created', m.sender_id,
       jsonb_build_object(
         'id', m.id, 'conversationId', m.conversation_id, 'seq', m.seq, 'senderId', m.sender_id,
         'senderKind', m.sender_kind, 'kind', m.kind, 'content', m.content, 'clientMsgId', NULL,
         'createdAt', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'editedAt', NULL, 'deletedAt', NULL, 'replyToId', NULL, 'threadRootId', NULL, 'forwardOf', NULL,
         'reactions', '{}'::jsonb, 'attachments', '[]'::jsonb, 'linkPreviews', '[]'::jsonb, 'thread', NULL),
       m.created_at
  FROM messages m
 WHERE m.conversation_id = $1::uuid AND m.seq BETWEEN $2::bigint AND $3::bigint`

export async function seedHistory(db: SqlRunner, spec: SeedSpec, kind: 'pglite' | 'postgres'): Promise<SeedResult> {
  const t0 = performance.now()
  let statements = 0
  await db.query('BEGIN')
  try {
    const conv = (await db.query('SELECT last_seq FROM conversations WHERE id = $1 FOR UPDATE', [spec.conversationId])).rows[0]
    if (!conv) throw new Error(`conversation ${spec.conversationId} not found`)
    const s0 = Number(conv.last_seq)
    const n = spec.messages
    const baseMs = Date.now() - n - 1000
    const salt = spec.conversationId
    for (let from = 1; from <= n; from += spec.chunk) {
      const to = Math.min(n, from + spec.chunk - 1)
      await db.query(INSERT_MESSAGES, [spec.conversationId, from, to, spec.senderIds, baseMs, s0, salt, spec.contentLength])
      statements++
    }
    const t1 = performance.now()
    for (let from = 1; from <= n; from += spec.chunk) {
      const to = Math.min(n, from + spec.chunk - 1)
      await db.query(INSERT_EVENTS, [spec.conversationId, s0 + from, s0 + to])
      statements++
    }
    const t2 = performance.now()
    const updated = await db.query(
      `UPDATE conversations SET last_seq = $2::bigint, last_message_seq = $2::bigint, last_activity_at = to_timestamp($3::bigint / 1000.0)
        WHERE id = $1::uuid AND last_seq = $4::bigint RETURNING id`,
      [spec.conversationId, s0 + n, baseMs + n, s0],
    )
    if (updated.rows.length !== 1) throw new Error('the conversation changed while seeding')
    // Gapless and complete: every seeded seq has its message and its event.
    const check = (
      await db.query(
        `SELECT (SELECT count(*) FROM messages WHERE conversation_id = $1::uuid AND seq BETWEEN $2::bigint AND $3::bigint) AS m,
                (SELECT count(*) FROM events WHERE conversation_id = $1::uuid AND seq BETWEEN $2::bigint AND $3::bigint) AS e,
                (SELECT max(seq) FROM events WHERE conversation_id = $1::uuid) AS last`,
        [spec.conversationId, s0 + 1, s0 + n],
      )
    ).rows[0]
    if (Number(check.m) !== n || Number(check.e) !== n || Number(check.last) !== s0 + n) {
      throw new Error(`seeding check failed: ${check.m} messages, ${check.e} events, last event seq ${check.last}; expected ${n}, ${n}, ${s0 + n}`)
    }
    await db.query('COMMIT')
    // What autovacuum would do soon after a bulk load; the history figures should not depend on its timing.
    await db.query('ANALYZE messages')
    await db.query('ANALYZE events')
    if (kind === 'postgres') await db.query('CHECKPOINT').catch(() => undefined)
    const t3 = performance.now()
    const sizes = await db
      .query(`SELECT pg_total_relation_size('messages') AS m, pg_total_relation_size('events') AS e`)
      .then((r) => r.rows[0])
      .catch(() => undefined)
    return {
      firstSeq: s0 + 1,
      lastSeq: s0 + n,
      messagesSeconds: (t1 - t0) / 1000,
      eventsSeconds: (t2 - t1) / 1000,
      analyzeSeconds: (t3 - t2) / 1000,
      totalSeconds: (t3 - t0) / 1000,
      statements,
      messagesTableBytes: sizes ? Number(sizes.m) : undefined,
      eventsTableBytes: sizes ? Number(sizes.e) : undefined,
    }
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined)
    throw err
  }
}
