import type { Db } from "./database.js";

/**
 * Session queries beyond what Lucia's adapter does itself. They are plain statements so that
 * db/users.ts can run them inside its own transactions.
 */
export function sessionStatements(db: Db) {
  return {
    deleteForUser: db.prepare<[string]>("DELETE FROM session WHERE user_id = ?"),
    countForUser: db.prepare<[string], number>("SELECT count(*) FROM session WHERE user_id = ?").pluck(),
  };
}

export function createSessionQueries(db: Db) {
  const statements = sessionStatements(db);
  return {
    async countForUser(userId: string): Promise<number> {
      return statements.countForUser.get(userId) ?? 0;
    },
    async deleteForUser(userId: string): Promise<number> {
      return statements.deleteForUser.run(userId).changes;
    },
  };
}

export type SessionQueries = ReturnType<typeof createSessionQueries>;
