-- Parley core schema: participants, conversations, members, messages and the event log.
-- Same SQL on PGlite and PostgreSQL.

-- Users and agents are both participants; an agent has an owner (a user).
CREATE TABLE participants (
  id             text PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('user', 'agent')),
  name           text NOT NULL,
  avatar_url     text,
  metadata       jsonb NOT NULL DEFAULT '{}',
  owner_id       text REFERENCES participants (id),
  description    text,
  webhook_url    text,
  -- sha256 of the agent key, hex; the key itself is shown once and never stored.
  key_hash       text UNIQUE,
  deactivated_at timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'agent') = (owner_id IS NOT NULL))
);
CREATE INDEX participants_name_prefix ON participants (lower(name) text_pattern_ops, id);
CREATE INDEX participants_id_prefix ON participants (lower(id) text_pattern_ops);
CREATE INDEX participants_owner ON participants (owner_id, id) WHERE owner_id IS NOT NULL;

CREATE TABLE conversations (
  id               uuid PRIMARY KEY,
  type             text NOT NULL CHECK (type IN ('dm', 'group', 'channel')),
  name             text,
  description      text,
  visibility       text NOT NULL DEFAULT 'private' CHECK (visibility IN ('public', 'private')),
  external_ref     text,
  metadata         jsonb NOT NULL DEFAULT '{}',
  max_members      integer NOT NULL,
  locked           boolean NOT NULL DEFAULT false,
  -- Unique key of a dm: the sorted pair, or agent + user for an agent chat. NULL otherwise.
  dm_key           text UNIQUE,
  agent_id         text REFERENCES participants (id),
  created_by       text REFERENCES participants (id),
  member_count     integer NOT NULL DEFAULT 0,
  -- Position of the last event; the next event takes last_seq + 1 under this row's lock.
  last_seq         bigint NOT NULL DEFAULT 0,
  last_message_seq bigint,
  last_activity_at timestamptz NOT NULL,
  archived_at      timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX conversations_external_ref ON conversations (external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX conversations_public ON conversations (last_activity_at DESC, id DESC) WHERE visibility = 'public';

CREATE TABLE members (
  conversation_id uuid NOT NULL REFERENCES conversations (id),
  member_id       text NOT NULL REFERENCES participants (id),
  role            text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  can_post        boolean NOT NULL DEFAULT true,
  last_read_seq   bigint NOT NULL DEFAULT 0,
  starred         boolean NOT NULL DEFAULT false,
  mute_until      timestamptz,
  notify_level    text NOT NULL DEFAULT 'all' CHECK (notify_level IN ('all', 'mentions', 'none')),
  joined_at       timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, member_id)
);
CREATE INDEX members_by_member ON members (member_id, conversation_id);

-- messages and events carry no foreign keys: they are the hot path, written only by code that
-- holds the conversation's row lock and has just checked the sender's membership, and
-- conversations and participants are never deleted. A per-row FK check would cost two index
-- probes and a row share lock per message.
CREATE TABLE messages (
  conversation_id uuid NOT NULL,
  -- The seq of the message.created event that introduced this message.
  seq             bigint NOT NULL,
  id              uuid NOT NULL UNIQUE,
  sender_id       text NOT NULL,
  sender_kind     text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('text', 'notice')),
  content         text NOT NULL,
  client_msg_id   text,
  reply_to_id     uuid,
  thread_root_id  uuid,
  -- Snapshot of the forwarded message's origin: { messageId, conversationId, senderId, senderKind, createdAt }.
  forward_of      jsonb,
  -- Participants the message mentions (their unread mention counts).
  mentions        text[] NOT NULL DEFAULT '{}',
  reply_count     integer NOT NULL DEFAULT 0,
  last_reply_at   timestamptz,
  created_at      timestamptz NOT NULL,
  edited_at       timestamptz,
  deleted_at      timestamptz,
  PRIMARY KEY (conversation_id, seq)
);
-- Idempotent sends: a sender's clientMsgId is unique within a conversation.
CREATE UNIQUE INDEX messages_client_msg_id ON messages (conversation_id, sender_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;
CREATE INDEX messages_thread ON messages (thread_root_id, seq) WHERE thread_root_id IS NOT NULL;

-- The conversation event log: every state change, in order, gapless per conversation.
CREATE TABLE events (
  conversation_id uuid NOT NULL,
  seq             bigint NOT NULL,
  type            text NOT NULL,
  actor_id        text,
  data            jsonb NOT NULL,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
