-- Threads (summaries on roots, per-member thread read state) and system messages
-- (docs/api.md, "Threads and system messages").
--
-- parley_send_batch is replaced below. Step 2 is 0005's statement without its thread update
-- (same INSERT of `wildcard_mention` and `metadata`: a later migration that replaces the
-- function must keep them); a new step 3 does everything a batch's replies change, for the
-- batch's roots at once: their summaries, their followers' cursors, and one `message.updated`
-- of each root, all in the batch's own transaction. A batch without replies skips step 3.

-- System messages: written by Parley itself (member joined / left / added / removed,
-- conversation renamed), `system` holding what happened for clients to render in their language.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check CHECK (kind IN ('text', 'notice', 'system'));
-- { event, actorId, targetIds, name?, previousName? } on system messages; NULL on the others.
ALTER TABLE messages ADD COLUMN system jsonb;

-- On thread roots: whether it ever had a reply (then its view carries `thread`, also once every
-- reply is deleted: replyCount 0), the seq of the newest reply that is not deleted (what thread
-- read cursors compare with), and the distinct repliers in order of first reply, at most 10.
ALTER TABLE messages ADD COLUMN has_thread boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN last_reply_seq bigint;
ALTER TABLE messages ADD COLUMN thread_participants text[] NOT NULL DEFAULT '{}';

-- The threads a member follows, each with the member's read cursor in it. A row is made when
-- the member replies (cursor at their reply: one's own replies are never unread), or when a
-- reply arrives in a thread whose root they wrote or that mentions them (root or reply,
-- explicit mentions only; cursor 0). A thread is unread for a member when its root's
-- last_reply_seq is past the cursor (src/reads/unread.sql.ts). Written under the
-- conversation's row lock.
CREATE TABLE thread_reads (
  conversation_id uuid NOT NULL,
  member_id       text NOT NULL,
  root_id         uuid NOT NULL,
  last_read_seq   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, member_id, root_id)
);
CREATE INDEX thread_reads_by_root ON thread_reads (root_id);

-- RFC 3339 UTC with milliseconds, as JavaScript's toISOString writes it.
CREATE FUNCTION parley_iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- A message's caller-free view (events carry it), exactly as messageViewFor(q, null, row)
-- builds it in src/messages/message-views.ts: a test compares the two on every kind of message
-- (threads.sql.test.ts). Used where the view must be built inside one SQL statement: the root
-- updates of parley_send_batch.
CREATE FUNCTION parley_message_view(m messages) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', m.id, 'conversationId', m.conversation_id, 'seq', m.seq,
    'senderId', m.sender_id, 'senderKind', m.sender_kind, 'kind', m.kind,
    'content', CASE WHEN m.deleted_at IS NULL THEN m.content ELSE '' END,
    'clientMsgId', m.client_msg_id,
    'createdAt', parley_iso(m.created_at), 'editedAt', parley_iso(m.edited_at), 'deletedAt', parley_iso(m.deleted_at),
    'replyToId', m.reply_to_id, 'threadRootId', m.thread_root_id, 'forwardOf', m.forward_of,
    'mentions', to_jsonb(m.mentions), 'wildcardMention', m.wildcard_mention, 'metadata', m.metadata,
    'reactions', CASE WHEN m.deleted_at IS NOT NULL THEN '{}'::jsonb ELSE (
      SELECT coalesce(jsonb_object_agg(x.emoji, jsonb_build_object('count', x.n, 'me', false)), '{}'::jsonb)
        FROM (SELECT emoji, count(*)::int AS n FROM message_reactions WHERE message_id = m.id GROUP BY emoji) x) END,
    'pinnedAt', CASE WHEN m.deleted_at IS NULL THEN (SELECT parley_iso(p.pinned_at) FROM message_pins p WHERE p.message_id = m.id) END,
    'pinnedBy', CASE WHEN m.deleted_at IS NULL THEN (SELECT p.pinned_by FROM message_pins p WHERE p.message_id = m.id) END,
    'attachments', '[]'::jsonb, 'linkPreviews', '[]'::jsonb,
    'system', m.system,
    'thread', CASE WHEN m.has_thread THEN jsonb_build_object(
      'replyCount', m.reply_count, 'lastReplyAt', parley_iso(m.last_reply_at), 'lastReplySeq', m.last_reply_seq,
      'participantIds', to_jsonb(m.thread_participants), 'lastReadSeq', NULL) END)
$$;

CREATE OR REPLACE FUNCTION parley_send_batch(
  p_conv uuid[], p_id uuid[], p_sender text[], p_sender_kind text[], p_kind text[], p_content text[],
  p_client_msg_id text[], p_reply_to uuid[], p_thread_root uuid[], p_forward_of jsonb[], p_mentions jsonb[],
  p_data jsonb[], p_at timestamptz)
RETURNS TABLE (ord integer, outcome text, seq bigint, existing jsonb)
LANGUAGE plpgsql
-- See 0002 for why the planner is told to use index nested loops only.
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
  -- 1. Lock the batch's conversations, in id order so that concurrent batches cannot deadlock.
  PERFORM 1 FROM conversations c WHERE c.id = ANY (p_conv) ORDER BY c.id FOR UPDATE;

  -- 2. A new statement, so a new snapshot: membership and earlier clientMsgIds are read as
  --    committed *after* the locks were granted.
  RETURN QUERY
  WITH req AS (
    SELECT r.*
      FROM unnest(p_conv, p_id, p_sender, p_sender_kind, p_kind, p_content, p_client_msg_id,
                  p_reply_to, p_thread_root, p_forward_of, p_mentions, p_data)
           WITH ORDINALITY AS r(conv, id, sender, sender_kind, kind, content, cmid, reply_to, thread_root, forward_of, mentions, data, o)
  ), judged AS (
    SELECT req.*, c.last_seq AS base_seq,
           CASE WHEN c.id IS NULL THEN 'not_found'
                ELSE parley_posting_verdict(c.type, c.locked, c.archived_at IS NOT NULL, m.role, m.can_post) END AS refusal,
           prior.msg AS prior_msg,
           row_number() OVER (PARTITION BY req.conv, req.sender, req.cmid ORDER BY req.o) AS copy
      FROM req
      LEFT JOIN conversations c ON c.id = req.conv
      LEFT JOIN members m ON m.conversation_id = req.conv AND m.member_id = req.sender
      LEFT JOIN LATERAL (
        SELECT to_jsonb(x) AS msg FROM messages x
         WHERE req.cmid IS NOT NULL AND x.conversation_id = req.conv AND x.sender_id = req.sender AND x.client_msg_id = req.cmid
      ) prior ON true
  ), fresh AS (
    SELECT j.*, j.base_seq + row_number() OVER (PARTITION BY j.conv ORDER BY j.o) AS new_seq
      FROM judged j
     WHERE j.refusal IS NULL AND j.prior_msg IS NULL AND (j.cmid IS NULL OR j.copy = 1)
  ), ins_messages AS (
    INSERT INTO messages (conversation_id, seq, id, sender_id, sender_kind, kind, content, client_msg_id,
                          reply_to_id, thread_root_id, forward_of, mentions, wildcard_mention, metadata, created_at)
    SELECT f.conv, f.new_seq, f.id, f.sender, f.sender_kind, f.kind, f.content, f.cmid,
           f.reply_to, f.thread_root, f.forward_of, ARRAY(SELECT jsonb_array_elements_text(f.mentions)),
           f.data->>'wildcardMention', NULLIF(f.data->'metadata', 'null'::jsonb), p_at
      FROM fresh f
    RETURNING 1
  ), ins_events AS (
    INSERT INTO events (conversation_id, seq, type, actor_id, data, created_at)
    SELECT f.conv, f.new_seq, 'message.created', f.sender, f.data || jsonb_build_object('seq', f.new_seq), p_at
      FROM fresh f
    RETURNING 1
  ), upd_conversations AS (
    UPDATE conversations c SET last_seq = f.s, last_message_seq = f.s, last_activity_at = p_at
      FROM (SELECT conv, max(new_seq) AS s FROM fresh GROUP BY conv) f
     WHERE c.id = f.conv
    RETURNING 1
  ), upd_cursors AS (
    -- A sender has read up to their own message.
    UPDATE members mb SET last_read_seq = GREATEST(mb.last_read_seq, f.s)
      FROM (SELECT conv, sender, max(new_seq) AS s FROM fresh GROUP BY conv, sender) f
     WHERE mb.conversation_id = f.conv AND mb.member_id = f.sender
    RETURNING 1
  )
  SELECT j.o::integer,
         CASE WHEN j.refusal IS NOT NULL THEN j.refusal
              WHEN j.prior_msg IS NOT NULL THEN 'retry'
              WHEN f.id IS NOT NULL THEN 'created'
              ELSE 'duplicate' END,
         f.new_seq,
         j.prior_msg
    FROM judged j LEFT JOIN fresh f ON f.o = j.o
   ORDER BY j.o;

  -- 3. The batch's replies, as committed by step 2 (a new statement sees its writes): per root,
  --    the summary grows, the followers' cursors are made or moved, and one `message.updated`
  --    of the root (its caller-free view) takes the next seq after the batch's messages. Its
  --    rows come back as outcome 'thread' with ord NULL: { conversationId, actorId, data }.
  IF NOT EXISTS (SELECT 1 FROM unnest(p_thread_root) t WHERE t IS NOT NULL) THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH replies AS (
    SELECT x.conversation_id AS conv, x.thread_root_id AS root, x.seq AS s, x.sender_id AS sender, x.mentions
      FROM messages x
     WHERE x.id = ANY (p_id) AND x.thread_root_id IS NOT NULL
  ), roots AS (
    SELECT r.conversation_id AS conv, r.id AS root, r.sender_id AS author, r.mentions AS root_mentions,
           count(*)::int AS n, min(p.s) AS first_s, max(p.s) AS last_s,
           (array_agg(p.sender ORDER BY p.s DESC))[1] AS last_sender
      FROM replies p JOIN messages r ON r.id = p.root AND r.conversation_id = p.conv
     GROUP BY r.conversation_id, r.id, r.sender_id, r.mentions
  ), numbered AS (
    SELECT t.*, c.last_seq + row_number() OVER (PARTITION BY t.conv ORDER BY t.first_s) AS ev_seq
      FROM roots t JOIN conversations c ON c.id = t.conv
  ), upd_roots AS (
    UPDATE messages r
       SET has_thread = true, reply_count = r.reply_count + t.n, last_reply_at = p_at, last_reply_seq = t.last_s,
           -- Distinct repliers in order of first reply: those already listed, then this batch's new ones; at most 10.
           thread_participants = ARRAY(
             SELECT w.who FROM (
               SELECT u.who, min(u.k) AS k FROM (
                 SELECT e.who, e.k - 1000000 AS k FROM unnest(r.thread_participants) WITH ORDINALITY AS e(who, k)
                 UNION ALL
                 SELECT p.sender, p.s FROM replies p WHERE p.root = r.id
               ) u GROUP BY u.who
             ) w ORDER BY w.k LIMIT 10)
      FROM numbered t
     WHERE r.id = t.root AND r.conversation_id = t.conv
    RETURNING r AS row, t.conv, t.ev_seq, t.last_sender
  ), ins_events AS (
    INSERT INTO events (conversation_id, seq, type, actor_id, data, created_at)
    SELECT u.conv, u.ev_seq, 'message.updated', u.last_sender, parley_message_view(u.row), p_at
      FROM upd_roots u
    -- Qualified: `seq` alone would be this function's output column.
    RETURNING events.conversation_id, events.seq, events.actor_id, events.data
  ), upd_conversations AS (
    UPDATE conversations c SET last_seq = t.s
      FROM (SELECT conv, max(ev_seq) AS s FROM numbered GROUP BY conv) t
     WHERE c.id = t.conv
    RETURNING 1
  ), follows AS (
    -- Who follows each thread after this batch, and where their cursor is (members only).
    SELECT w.conv, w.root, w.who, max(w.cursor) AS cursor FROM (
      SELECT conv, root, author AS who, 0::bigint AS cursor FROM roots
      UNION ALL SELECT conv, root, unnest(root_mentions), 0::bigint FROM roots
      UNION ALL SELECT conv, root, sender, s FROM replies
      UNION ALL SELECT conv, root, unnest(mentions), 0::bigint FROM replies
    ) w
    JOIN members mb ON mb.conversation_id = w.conv AND mb.member_id = w.who
    JOIN roots t ON t.root = w.root
    GROUP BY w.conv, w.root, w.who
  ), ins_follows AS (
    INSERT INTO thread_reads (conversation_id, member_id, root_id, last_read_seq)
    SELECT f.conv, f.who, f.root, f.cursor FROM follows f
    ON CONFLICT (conversation_id, member_id, root_id)
      DO UPDATE SET last_read_seq = GREATEST(thread_reads.last_read_seq, excluded.last_read_seq)
    RETURNING 1
  )
  SELECT NULL::integer, 'thread'::text, e.seq,
         jsonb_build_object('conversationId', e.conversation_id, 'actorId', e.actor_id, 'data', e.data)
    FROM ins_events e
   ORDER BY e.conversation_id, e.seq;
END
$$;
