-- Edits, deletes, mentions and metadata of messages (docs/api.md, "Edits, deletes and mentions").
--
-- parley_send_batch is replaced below (same signature, same body as 0002) with ONE change: its
-- INSERT INTO messages also writes `wildcard_mention` and `metadata`, both read from the view it
-- is given (`f.data->>'wildcardMention'`, `NULLIF(f.data->'metadata', 'null')`). A later
-- migration that replaces the function again must keep those two columns in that INSERT.

-- The app's own JSON object (≤ 8 KiB serialized, checked by the operations), returned as sent;
-- NULL when none was sent. Cleared by a delete.
ALTER TABLE messages ADD COLUMN metadata jsonb;
-- `@all` / `@here` in the content, when the sender was allowed to use it: the message mentions
-- every member (see src/reads/unread.sql.ts). NULL: no wildcard. Kept apart from `mentions`
-- because participant ids may themselves start with `@`.
ALTER TABLE messages ADD COLUMN wildcard_mention text CHECK (wildcard_mention IN ('all', 'here'));

-- Earlier versions of edited messages: version 1 is the original, each edit adds the version it
-- replaced. `edited_at` is when that version was replaced; `editor_id` who replaced it (the
-- author: only authors edit). Written under the conversation's row lock, so versions of one
-- message are gapless and in commit order. A delete removes a message's versions.
CREATE TABLE message_edits (
  message_id       uuid NOT NULL,
  version          integer NOT NULL,
  content          text NOT NULL,
  mentions         text[] NOT NULL DEFAULT '{}',
  wildcard_mention text,
  edited_at        timestamptz NOT NULL,
  editor_id        text NOT NULL,
  PRIMARY KEY (message_id, version)
);

-- Deletes of other participants' messages (moderation), for the conversation's admins. Never
-- the deleted text: only who, when, why and how.
CREATE TABLE message_moderation (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id uuid NOT NULL,
  message_id      uuid NOT NULL,
  seq             bigint NOT NULL,
  author_id       text NOT NULL,
  -- NULL: the server key.
  deleted_by      text,
  reason          text,
  mode            text NOT NULL CHECK (mode IN ('soft', 'hard')),
  deleted_at      timestamptz NOT NULL
);
CREATE INDEX message_moderation_by_conversation ON message_moderation (conversation_id, id DESC);

-- A delete also redacts the log, so a replay never serves deleted content: the message's
-- `message.created` (found by its seq) and every other event that carries its text (found by
-- the index below) lose it. Those are its `message.updated` and `message.pinned` (the view),
-- a hard `message.deleted` that made it the last message, and the conversation views of
-- `conversation.updated` / `member.added` when it was the last message.
CREATE FUNCTION parley_event_message_ref(p_type text, p_data jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_type
    WHEN 'message.created' THEN NULL
    WHEN 'message.updated' THEN p_data->>'id'
    WHEN 'message.pinned' THEN p_data->'message'->>'id'
    WHEN 'message.deleted' THEN p_data->'lastMessage'->>'id'
    ELSE p_data->'conversation'->'lastMessage'->>'id'
  END
$$;
-- Partial: events that carry no other message's text (every message.created) are not indexed.
CREATE INDEX events_message_refs ON events (conversation_id, parley_event_message_ref(type, data))
  WHERE parley_event_message_ref(type, data) IS NOT NULL;

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
  ), upd_threads AS (
    UPDATE messages r SET reply_count = r.reply_count + f.n, last_reply_at = p_at
      FROM (SELECT thread_root, count(*)::int AS n FROM fresh WHERE thread_root IS NOT NULL GROUP BY thread_root) f
     WHERE r.id = f.thread_root
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
END
$$;
