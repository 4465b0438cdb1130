-- Password-reset links. The link carries a random 256-bit token; only its SHA-256 is kept here, so a
-- copy of the database holds no usable link. A link is good once, for 30 minutes, and only while the
-- user's credential version is still the one it was issued under: any password change voids it.
CREATE TABLE password_reset (
  id TEXT NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  credential_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX password_reset_user_idx ON password_reset(user_id);
CREATE INDEX password_reset_expires_idx ON password_reset(expires_at);

-- The e-mail carrying a link holds it in its body only while it may still be needed: once sent or
-- given up, once secret_until has passed, or once the user's password changes, body becomes redacted_body.
ALTER TABLE outbox ADD COLUMN redacted_body TEXT;
ALTER TABLE outbox ADD COLUMN secret_until INTEGER;
CREATE INDEX outbox_secret_idx ON outbox(secret_until) WHERE secret_until IS NOT NULL;
