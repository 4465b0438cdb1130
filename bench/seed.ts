import { randomBytes } from "node:crypto";
import { openStore } from "../db/open-store.js";
import { createPasswordHasher } from "../server/auth/passwords.js";
import { sessionIdOf } from "../server/auth/sessions.js";

export const benchPassword = "bench password number 1";
export const benchNewPassword = "bench new password number 2";

/**
 * Users bench_<n> with `benchPassword` and one session each, written straight into a fresh
 * database; returns their session tokens in order. One hash for every user: seeding measures
 * nothing, and hashing each would take minutes.
 */
export async function seedOurs(databasePath: string, count: number, first = 0, databaseUrl?: string): Promise<string[]> {
  const store = await openStore({ databasePath, databaseUrl, poolMax: 4, statementTimeoutMs: 60_000, onIdleError: () => {} });
  const passwordHash = await createPasswordHasher().hash(benchPassword);
  const expiresAt = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const tokens: string[] = [];
  for (let index = first; index < first + count; index++) {
    const token = randomBytes(32).toString("base64url");
    const id = `u${index}`;
    await store.users.insert({ id, username: `bench_${index}`, email: `bench_${index}@example.com`, passwordHash, createdAt: Date.now() });
    await store.sessions.insert({ id: sessionIdOf(token), expiresAt, userId: id, createdAt: Date.now(), credentialVersion: 0 });
    tokens.push(token);
  }
  await store.close();
  return tokens;
}
