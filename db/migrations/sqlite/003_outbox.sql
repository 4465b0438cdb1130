-- Messages to account owners (the password-change notice), kept whether or not e-mail is set up:
-- the record of what was sent, when, and whether delivery failed.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  error TEXT
) STRICT;
CREATE INDEX outbox_user_idx ON outbox(user_id, created_at);
