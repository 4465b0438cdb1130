import { join } from "node:path";
import { openDatabase, type Db } from "../../db/database.js";
import { sessionStatements } from "../../db/sessions.js";
import { createUserQueries } from "../../db/users.js";
import { cheapHasher } from "./cheap-hasher.js";
import { tempDir } from "./temp.js";

/** A migrated SQLite file of its own, with one user whose password is known. */
export async function databaseWithUser(password: string) {
  const dir = tempDir();
  const db: Db = openDatabase(join(dir.path, "app.db"));
  const users = createUserQueries(db);
  const userId = "user-1";
  await users.insert({
    id: userId,
    username: "alice",
    email: "alice@example.com",
    passwordHash: await cheapHasher.hash(password),
    createdAt: Date.now(),
  });
  const addSession = (id: string, credentialVersion = 0) =>
    sessionStatements(db).insert.run(id, 4_102_444_800, userId, Date.now(), credentialVersion);
  return {
    db,
    users,
    userId,
    addSession,
    sessionCount: () => db.prepare("SELECT count(*) FROM session WHERE user_id = ?").pluck().get(userId) as number,
    close() {
      db.close();
      dir.remove();
    },
  };
}
