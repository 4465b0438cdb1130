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
