-- What the signed-in devices page shows of each session: the browser's User-Agent header as sent
-- (only names from a fixed list ever reach a page: server/browser-names.ts), the client's IP
-- address, and when the session was last used (milliseconds; written at most once per 5 minutes
-- per session, so an authenticated page view is not a write every time). Sessions started before
-- this migration keep NULLs, shown as "unknown". The same columns as SQLite's migration 8.
ALTER TABLE session ADD COLUMN user_agent TEXT;
ALTER TABLE session ADD COLUMN ip TEXT;
ALTER TABLE session ADD COLUMN last_seen_at BIGINT;
