import { openStore } from "../../db/open-store.js";
import type { Store } from "../../db/store.js";
import { freshDatabase } from "./backend.js";
import { cheapHasher } from "./cheap-hasher.js";
import { sqlOf } from "./sql.js";

/** A store of its own on the database `database` names (another connection to a server's data, say). */
export function openTestStore(database: { databasePath: string; databaseUrl?: string }): Promise<Store> {
  return openStore({ ...database, poolMax: 4, statementTimeoutMs: 10_000, onIdleError: () => {} });
}

/** A migrated database of its own on this run's backend, with one user whose password is known. */
export async function databaseWithUser(password: string) {
  const database = await freshDatabase();
  const store = await openTestStore(database.options);
  const userId = "user-1";
  await store.users.insert({
    id: userId,
    username: "alice",
    email: "alice@example.com",
    passwordHash: await cheapHasher.hash(password),
    createdAt: Date.now(),
  });
  const addSession = (id: string, credentialVersion = 0) =>
    store.sessions.insert({ id, expiresAt: new Date(4_102_444_800_000), userId, createdAt: Date.now(), credentialVersion });
  const sql = sqlOf(store);
  return {
    store,
    sql,
    userId,
    addSession,
    sessionCount: async () => (await sql.value<number>("SELECT count(*) FROM session WHERE user_id = ?", userId)) ?? 0,
    async close() {
      await store.close();
      await database.remove();
    },
  };
}
