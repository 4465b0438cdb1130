import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, openDatabase } from "../../db/sqlite/database.js";
import { createSqliteUsers } from "../../db/sqlite/users.js";
import { backend } from "../helpers/backend.js";
import { tempDir } from "../helpers/temp.js";

const dirs: { remove: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => dir.remove()));

function freshPath() {
  const dir = tempDir();
  dirs.push(dir);
  return join(dir.path, "nested", "folder", "app.db");
}

// The SQLite store's own properties; tests/unit/postgres-store.test.ts checks PostgreSQL's.
describe.skipIf(backend !== "sqlite")("openDatabase (SQLite)", () => {
  it("creates the folder, uses WAL with foreign keys, never waits for a lock synchronously, and records migrations once", () => {
    const path = freshPath();
    const db = openDatabase(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    // Waiting for a lock is done asynchronously (db/busy.ts): SQLite's own wait blocks the event loop.
    expect(db.pragma("busy_timeout", { simple: true })).toBe(0);
    expect(db.prepare("SELECT version, name FROM schema_migration").all()).toEqual([
      { version: 1, name: "init" },
      { version: 2, name: "security" },
      { version: 3, name: "outbox" },
      { version: 4, name: "credential_version" },
      { version: 5, name: "rate_limit_keys" },
      { version: 6, name: "outbox_delivery" },
      { version: 7, name: "password_reset" },
      { version: 8, name: "session_devices" },
    ]);
    expect(migrate(db)).toEqual([]);
    db.close();

    // A second start on the same file applies nothing again.
    const again = new Database(path);
    expect(migrate(again)).toEqual([]);
    expect(again.prepare("SELECT count(*) FROM schema_migration").pluck().get()).toBe(8);
    again.close();
  });

  it("indexes sessions by user", () => {
    const db = openDatabase(freshPath());
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM session WHERE user_id = ?").all("x") as { detail: string }[];
    expect(plan.map((row) => row.detail).join(" ")).toMatch(/USING INDEX session_user_id_idx/);
    db.close();
  });

  it("checks a session and its user with one indexed lookup", () => {
    const db = openDatabase(freshPath());
    const lookup = `SELECT session.id, user.username, session.credential_version = user.credential_version AS current
                      FROM session JOIN user ON user.id = session.user_id WHERE session.id = ?`;
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${lookup}`).all("x") as { detail: string }[];
    const details = plan.map((row) => row.detail);
    expect(details).toHaveLength(2);
    expect(details[0]).toMatch(/SEARCH session USING INDEX sqlite_autoindex_session_1 \(id=\?\)/);
    expect(details[1]).toMatch(/SEARCH user USING INDEX sqlite_autoindex_user_1 \(id=\?\)/);
    db.close();
  });

  it("keeps usernames unique case-insensitively and e-mails unique", async () => {
    const db = openDatabase(freshPath());
    const users = createSqliteUsers(db);
    const user = { passwordHash: "h", createdAt: 1 };
    expect(await users.insert({ ...user, id: "1", username: "Alice", email: "a@example.com" })).toEqual({ ok: true });
    expect(await users.insert({ ...user, id: "2", username: "ALICE", email: "b@example.com" })).toEqual({ ok: false, taken: "username" });
    expect(await users.insert({ ...user, id: "3", username: "bob", email: "A@EXAMPLE.com" })).toEqual({ ok: false, taken: "email" });
    expect((await users.findByUsername("aLiCe"))?.id).toBe("1");
    db.close();
  });
});
