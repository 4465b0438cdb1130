import type { SessionStore, SessionWithUser } from "../store.js";
import { retryWhileBusy } from "./busy.js";
import type { SqliteDb } from "./database.js";

/**
 * Session statements beyond what Lucia's adapter runs itself. Plain statements rather than async
 * functions, because db/sqlite/users.ts runs them inside its own transactions.
 */
export function sessionStatements(db: SqliteDb) {
  return {
    /** Lucia's layout: expires_at in seconds. */
    insert: db.prepare<[id: string, expiresAt: number, userId: string, createdAt: number, credentialVersion: number]>(
      "INSERT INTO session (id, expires_at, user_id, created_at, credential_version) VALUES (?, ?, ?, ?, ?)",
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
  username: string;
  email: string;
  current: number;
};

export function createSqliteSessions(db: SqliteDb): SessionStore {
  const lookup = db.prepare<[string], SessionWithUserRow>(
    `SELECT session.id, session.user_id, session.expires_at, session.created_at, session.credential_version,
            user.username, user.email, session.credential_version = user.credential_version AS current
       FROM session JOIN user ON user.id = session.user_id
      WHERE session.id = ?`,
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
      };
    },
    async insert(session) {
      await retryWhileBusy(() =>
        statements.insert.run(session.id, Math.floor(session.expiresAt.getTime() / 1000), session.userId, session.createdAt, session.credentialVersion),
      );
    },
  };
}
