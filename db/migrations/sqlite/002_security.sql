-- Session tokens are stored from now on as their SHA-256 hash. The raw ids stored so far cannot
-- be hashed into valid entries after the fact, so every existing session ends: people sign in again.
DELETE FROM session;

-- When the credentials behind a session were checked: a session whose check predates the last
-- password change is refused, which closes the race between a login and a change.
ALTER TABLE session ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;

-- Counters of failed password checks (rate-limiter-flexible's layout), shared by every process.
CREATE TABLE rate_limit (
  key TEXT PRIMARY KEY,
  points INTEGER NOT NULL DEFAULT 0,
  expire INTEGER
);

-- An audit trail of authentication events. Never a password, token, cookie or request body.
CREATE TABLE auth_event (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  reason TEXT,
  user_id TEXT,
  ip TEXT,
  user_agent TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX auth_event_user_idx ON auth_event(user_id, created_at);

-- Server-side values generated once and kept with the data (the CSRF form-token secret).
CREATE TABLE app_setting (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
