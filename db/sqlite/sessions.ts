import type { LiveSession, SessionStore, SessionWithUser } from "../store.js";
import { retryWhileBusy } from "./busy.js";
import type { SqliteDb } from "./database.js";

/**
 * Session statements beyond what Lucia's adapter runs itself. Plain statements rather than async
 * functions, because db/sqlite/users.ts runs them inside its own transactions.
 */
export function sessionStatements(db: SqliteDb) {
  return {
    /** Lucia's layout: expires_at in seconds. */
    insert: db.prepare<
      [
        id: string,
        expiresAt: number,
        userId: string,
        createdAt: number,
        credentialVersion: number,
        userAgent: string | null,
        ip: string | null,
        lastSeenAt: number | null,
      ]
    >(
      `INSERT INTO session (id, expires_at, user_id, created_at, credential_version, user_agent, ip, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteOne: db.prepare<[id: string, userId: string]>("DELETE FROM session WHERE id = ? AND user_id = ?"),
    /** The sessions that were live (current version, not expired): the devices a person would count. */
    deleteLive: db.prepare<[userId: string, version: number, nowSeconds: number]>(
      "DELETE FROM session WHERE user_id = ? AND credential_version = ? AND expires_at > ?",
    ),
    deleteAll: db.prepare<[userId: string]>("DELETE FROM session WHERE user_id = ?"),
    /**
     * Live sessions kept through a password change move to the new version with their user; expired
     * ones stay behind, void, and are not counted as devices.
     */
    carryOver: db.prepare<[newVersion: number, userId: string, oldVersion: number, nowSeconds: number, exceptId: string]>(
      "UPDATE session SET credential_version = ? WHERE user_id = ? AND credential_version = ? AND expires_at > ? AND id != ?",
    ),
  };
}

type SessionWithUserRow = {
  id: string;
  user_id: string;
  expires_at: number;
  created_at: number;
  credential_version: number;
  last_seen_at: number | null;
  username: string;
  email: string;
  current: number;
};

type LiveSessionRow = {
  id: string;
  created_at: number;
  last_seen_at: number | null;
  user_agent: string | null;
  ip: string | null;
  expires_at: number;
};

export function createSqliteSessions(db: SqliteDb): SessionStore {
  const lookup = db.prepare<[string], SessionWithUserRow>(
    `SELECT session.id, session.user_id, session.expires_at, session.created_at, session.credential_version, session.last_seen_at,
            user.username, user.email, session.credential_version = user.credential_version AS current
       FROM session JOIN user ON user.id = session.user_id
      WHERE session.id = ?`,
  );
  // The user's row decides which version is current, as in the lookup above.
  const live = db.prepare<[userId: string, nowSeconds: number], LiveSessionRow>(
    `SELECT session.id, session.created_at, session.last_seen_at, session.user_agent, session.ip, session.expires_at
       FROM session JOIN user ON user.id = session.user_id
      WHERE session.user_id = ? AND session.credential_version = user.credential_version AND session.expires_at > ?
      ORDER BY coalesce(session.last_seen_at, session.created_at) DESC, session.id`,
  );
  const deleteOthers = db.prepare<[userId: string, keepId: string, userId: string, nowSeconds: number], { live: number }>(
    `DELETE FROM session WHERE user_id = ? AND id != ?
     RETURNING (credential_version = (SELECT credential_version FROM user WHERE id = ?) AND expires_at > ?) AS live`,
  );
  const touch = db.prepare<[at: number, id: string, staleBefore: number]>(
    "UPDATE session SET last_seen_at = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)",
  );
  const statements = sessionStatements(db);
  return {
    async findWithUser(id): Promise<SessionWithUser | undefined> {
      const row = lookup.get(id);
      if (!row) return undefined;
      return {
        id: row.id,
        userId: row.user_id,
        expiresAt: new Date(row.expires_at * 1000),
        createdAt: row.created_at,
        credentialVersion: row.credential_version,
        username: row.username,
        email: row.email,
        current: row.current === 1,
        lastSeenAt: row.last_seen_at,
      };
    },
    async insert(session) {
      await retryWhileBusy(() =>
        statements.insert.run(
          session.id,
          Math.floor(session.expiresAt.getTime() / 1000),
          session.userId,
          session.createdAt,
          session.credentialVersion,
          session.userAgent ?? null,
          session.ip ?? null,
          session.lastSeenAt ?? null,
        ),
      );
    },
    async listLive(userId, now): Promise<LiveSession[]> {
      return live.all(userId, Math.floor(now.getTime() / 1000)).map((row) => ({
        id: row.id,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        userAgent: row.user_agent,
        ip: row.ip,
        expiresAt: new Date(row.expires_at * 1000),
      }));
    },
    async deleteOwned(userId, id) {
      return retryWhileBusy(() => statements.deleteOne.run(id, userId).changes > 0);
    },
    async deleteOthers(userId, keepId, now) {
      const rows = await retryWhileBusy(() => deleteOthers.all(userId, keepId, userId, Math.floor(now.getTime() / 1000)));
      return rows.filter((row) => row.live === 1).length;
    },
    async touch(id, at, staleBefore) {
      return retryWhileBusy(() => touch.run(at, id, staleBefore).changes > 0);
    },
  };
}
