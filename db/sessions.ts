import type { Db } from "./database.js";

/**
 * Session statements beyond what Lucia's adapter runs itself. Plain statements rather than async
 * functions, because db/users.ts runs them inside its own transactions.
 */
export function sessionStatements(db: Db) {
  return {
    deleteForUser: db.prepare<[string]>("DELETE FROM session WHERE user_id = ?"),
    /** Lucia's layout: expires_at in seconds. */
    insert: db.prepare<[string, number, string, number]>(
      "INSERT INTO session (id, expires_at, user_id, created_at) VALUES (?, ?, ?, ?)",
    ),
  };
}

export type SessionWithUserRow = {
  id: string;
  user_id: string;
  expires_at: number;
  created_at: number;
  username: string;
  email: string;
  password_changed_at: number | null;
};

/** A session and its user in one indexed lookup (the session's primary key, then the user's). */
export function sessionWithUserStatement(db: Db) {
  return db.prepare<[string], SessionWithUserRow>(
    `SELECT session.id, session.user_id, session.expires_at, session.created_at,
            user.username, user.email, user.password_changed_at
       FROM session JOIN user ON user.id = session.user_id
      WHERE session.id = ?`,
  );
}
