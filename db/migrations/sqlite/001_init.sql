-- Users and Lucia's sessions. Usernames and e-mails are ASCII-restricted by the
-- register rules, so NOCASE (ASCII case folding) makes them unique case-insensitively.
CREATE TABLE user (
  id TEXT NOT NULL PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER
) STRICT;

-- Lucia's adapter stores expires_at in seconds since the epoch.
CREATE TABLE session (
  id TEXT NOT NULL PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE
) STRICT;

CREATE INDEX session_user_id_idx ON session(user_id);
