-- Durable consumers of the event log (docs/event-log.md, "Consumers").

-- The id of the transaction that wrote each event. Concurrent transactions commit out of order,
-- so no position taken at write time is a safe global cursor; a transaction id is, read against
-- a snapshot's xmin: every transaction still running (or not yet begun) has an id >= xmin.
-- Every insert into events leaves the column out (insertEvents, parley_send_batch), so the
-- default records the writing transaction. Existing rows get the id of this migration.
ALTER TABLE events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_tx ON events (tx);

-- One row per named consumer: who runs it (a lease, renewed by the owner) and the discovery
-- watermark: every event with tx below it has been seen by the consumer's discovery.
CREATE TABLE consumers (
  name        text PRIMARY KEY,
  owner       text,
  lease_until timestamptz,
  watermark   xid8 NOT NULL DEFAULT '0',
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The truth of a consumer's progress: the last seq handled, per conversation. Seqs of one
-- conversation are gapless and commit in order, so `seq > position` is never missing a row.
CREATE TABLE consumer_positions (
  consumer        text NOT NULL REFERENCES consumers (name),
  conversation_id uuid NOT NULL,
  seq             bigint NOT NULL,
  PRIMARY KEY (consumer, conversation_id)
);

-- Events a consumer gave up on after its configured number of tries; the rest went on.
CREATE TABLE consumer_failures (
  consumer        text NOT NULL REFERENCES consumers (name),
  conversation_id uuid NOT NULL,
  seq             bigint NOT NULL,
  type            text NOT NULL,
  attempts        integer NOT NULL,
  error           text NOT NULL,
  failed_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, conversation_id, seq)
);
