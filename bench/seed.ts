import { randomBytes } from "node:crypto";
import { openDatabase } from "../db/database.js";
import { sessionStatements } from "../db/sessions.js";
import { createUserQueries } from "../db/users.js";
import { createPasswordHasher } from "../server/auth/passwords.js";
import { sessionIdOf } from "../server/auth/sessions.js";

export const benchPassword = "bench password number 1";
export const benchNewPassword = "bench new password number 2";

/**
 * Users bench_<n> with `benchPassword` and one session each, written straight into a fresh
 * database; returns their session tokens in order. One hash for every user: seeding measures
 * nothing, and hashing each would take minutes.
 */
export async function seedOurs(databasePath: string, count: number, first = 0): Promise<string[]> {
  const db = openDatabase(databasePath);
  const passwordHash = await createPasswordHasher().hash(benchPassword);
  const users = createUserQueries(db);
  const insertSession = sessionStatements(db).insert;
  const expires = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
  const tokens: string[] = [];
  for (let index = first; index < first + count; index++) {
    const token = randomBytes(32).toString("base64url");
    const id = `u${index}`;
    await users.insert({ id, username: `bench_${index}`, email: `bench_${index}@example.com`, passwordHash, createdAt: Date.now() });
    insertSession.run(sessionIdOf(token), expires, id, Date.now(), 0);
    tokens.push(token);
  }
  db.close();
  return tokens;
}
