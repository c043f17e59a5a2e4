-- Delivery receipts: how far each member's devices have acknowledged receiving events. A
-- message's status (sent → delivered → read) is derived from these cursors and the read
-- cursors, never stored per recipient per message. Reading implies delivery: readers take
-- GREATEST(last_delivered_seq, last_read_seq).
ALTER TABLE members ADD COLUMN last_delivered_seq bigint NOT NULL DEFAULT 0;
