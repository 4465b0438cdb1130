-- Password-reset links: the same tables and meaning as SQLite's migration 007. Only the SHA-256 of
-- the link's token is kept; a link is good once, for 30 minutes, and only while the user's credential
-- version is still the one it was issued under.
CREATE TABLE password_reset (
  id TEXT NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  credential_version INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX password_reset_user_idx ON password_reset (user_id);
CREATE INDEX password_reset_expires_idx ON password_reset (expires_at);

-- The e-mail carrying a link holds it only while it may still be needed (see SQLite's 007).
ALTER TABLE outbox ADD COLUMN redacted_body TEXT, ADD COLUMN secret_until BIGINT;
CREATE INDEX outbox_secret_idx ON outbox (secret_until) WHERE secret_until IS NOT NULL;
