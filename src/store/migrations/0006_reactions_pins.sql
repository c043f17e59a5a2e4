-- Reactions and pins. Like messages, these tables carry no foreign keys: they are written only
-- by code that holds the conversation's row lock and has just read the message, and a deleted
-- message's reactions and pin are removed by the delete itself (deleteReactionsOfMessage,
-- deletePinOfMessage), in the same transaction.

-- One row per participant, message and emoji. `emoji` is one Unicode emoji (normalized to its
-- fully-qualified form) or a `:shortcode:`.
CREATE TABLE message_reactions (
  message_id      uuid NOT NULL,
  conversation_id uuid NOT NULL,
  participant_id  text NOT NULL,
  emoji           text NOT NULL,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (message_id, participant_id, emoji)
);
-- list-reactions pages a message's reactions oldest first on (created_at, participant_id, emoji).
CREATE INDEX message_reactions_by_time ON message_reactions (message_id, created_at, participant_id, emoji);
-- One emoji's reactions on a message: whether it is there already (the distinct-emoji cap), the
-- per-emoji counts of message views, and list-reactions narrowed to one emoji.
CREATE INDEX message_reactions_by_emoji ON message_reactions (message_id, emoji, created_at, participant_id);

-- At most one pin per message; `pinned_by` is NULL when the server key pinned it.
CREATE TABLE message_pins (
  message_id      uuid PRIMARY KEY,
  conversation_id uuid NOT NULL,
  pinned_by       text,
  pinned_at       timestamptz NOT NULL
);
-- list-pinned-messages: newest pin first; also counts a conversation's pins for the cap.
CREATE INDEX message_pins_by_conversation ON message_pins (conversation_id, pinned_at DESC, message_id DESC);
