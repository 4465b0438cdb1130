-- A transactional outbox: the notice is written with the change, and a sender delivers it later,
-- retrying when the mail server fails. A row is claimed for a while (claimed_until) so that two
-- senders never deliver it twice. next_attempt_at NULL means "not to be delivered": sent, given up,
-- or recorded while no mail transport was configured (every row written before this migration).
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
CREATE INDEX outbox_due_idx ON outbox(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
