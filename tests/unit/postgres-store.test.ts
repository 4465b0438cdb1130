import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../db/store.js";
import { backend, freshDatabase, type FreshDatabase } from "../helpers/backend.js";
import { openTestStore } from "../helpers/database.js";
import { sqlOf } from "../helpers/sql.js";

/** The PostgreSQL store's own properties (database.test.ts checks SQLite's). */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fresh(): Promise<FreshDatabase> {
  const database = await freshDatabase();
  cleanups.push(() => database.remove());
  return database;
}

async function opened(database: FreshDatabase): Promise<Store> {
  const store = await openTestStore(database.options);
  cleanups.push(() => store.close());
  return store;
}

describe.skipIf(backend !== "postgres")("the PostgreSQL store", () => {
  it("instances opening an empty database at once migrate it exactly once, under the advisory lock", async () => {
    const database = await fresh();
    const stores = await Promise.all(Array.from({ length: 4 }, () => opened(database)));
    const sql = sqlOf(stores[0]!);
    const rows = await sql.all<{ version: number; n: number }>("SELECT version, count(*) AS n FROM schema_migration GROUP BY version ORDER BY version");
    expect(rows).toEqual([
      { version: 1, n: 1 },
      { version: 2, n: 1 },
      { version: 3, n: 1 },
    ]);
    for (const store of stores) expect(await store.pendingMigrations()).toEqual([]);
  });

  it("hands BIGINT columns back as numbers, not strings", async () => {
    const store = await opened(await fresh());
    await store.users.insert({ id: "1", username: "Alice", email: "a@example.com", passwordHash: "h", createdAt: 1_764_000_000_123 });
    const user = await store.users.findById("1");
    expect(user?.createdAt).toBe(1_764_000_000_123);
    expect(await sqlOf(store).value(`SELECT count(*) FROM "user"`)).toBe(1);
  });

  it("keeps usernames and e-mails unique case-insensitively, and finds a username in any case", async () => {
    const store = await opened(await fresh());
    const user = { passwordHash: "h", createdAt: 1 };
    expect(await store.users.insert({ ...user, id: "1", username: "Alice", email: "a@example.com" })).toEqual({ ok: true });
    expect(await store.users.insert({ ...user, id: "2", username: "ALICE", email: "b@example.com" })).toEqual({ ok: false, taken: "username" });
    expect(await store.users.insert({ ...user, id: "3", username: "bob", email: "A@EXAMPLE.com" })).toEqual({ ok: false, taken: "email" });
    expect((await store.users.findByUsername("aLiCe"))?.id).toBe("1");
    expect((await store.users.findByEmail("A@Example.COM"))?.id).toBe("1");
    // PostgreSQL refuses a NUL byte in text; a name holding one is nobody's (it once gave sign-in a 500).
    expect(await store.users.findByUsername("Alice\u0000")).toBeUndefined();
    expect(await store.users.findByEmail("a@example.com\u0000")).toBeUndefined();
  });

  it("finds a session and its user by primary keys, and a user by the lower-case index", async () => {
    const store = await opened(await fresh());
    const sql = sqlOf(store);
    // Planner statistics on empty tables would favour a sequential scan; ask what it does when it must choose.
    await sql.run("SET enable_seqscan = off");
    const plan = (await sql.values<string>(
      `EXPLAIN SELECT session.id FROM session JOIN "user" ON "user".id = session.user_id WHERE session.id = 'x'`,
    )).join("\n");
    expect(plan).toMatch(/Index Scan using session_pkey/);
    expect(plan).toMatch(/Index (Only )?Scan using user_pkey/);
    const byName = (await sql.values<string>(`EXPLAIN SELECT id FROM "user" WHERE lower(username) = lower('x')`)).join("\n");
    expect(byName).toMatch(/user_username_key/);
  });

  it("its integrity: every foreign key and unique index holds, and no index is invalid", async () => {
    // PostgreSQL's counterpart to SQLite's PRAGMA integrity_check: constraints are enforced, so
    // what can go wrong is an index left invalid (a failed concurrent build).
    const store = await opened(await fresh());
    const sql = sqlOf(store);
    expect(await sql.values("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")).toEqual([]);
    expect(await sql.values("SELECT conname FROM pg_constraint WHERE NOT convalidated")).toEqual([]);
  });
});
