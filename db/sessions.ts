import type { Db } from "./database.js";

/**
 * Session statements beyond what Lucia's adapter runs itself. Plain statements rather than async
 * functions, because db/users.ts runs them inside its own transactions.
 */
export function sessionStatements(db: Db) {
  return {
    deleteForUser: db.prepare<[string]>("DELETE FROM session WHERE user_id = ?"),
  };
}
