-- Credential versions replace clock comparisons. Every password swap increments the user's
-- version in the same statement; a session records the version its login read before verifying
-- the password, and is valid only while the two are equal. No timestamp decides validity, so a
-- second process, a held write lock or a skewed clock cannot keep a stale session alive.
ALTER TABLE user ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 0;

-- Under the old rule a session was void when its credentials were checked before the last change;
-- such sessions must stay void once every version reads 0.
DELETE FROM session
 WHERE created_at <= (SELECT password_changed_at FROM user WHERE user.id = session.user_id);
