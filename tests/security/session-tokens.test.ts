import Database from "better-sqlite3";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../db/sqlite/database.js";
import { sessionIdOf } from "../../server/auth/sessions.js";
import { createClient } from "../../server/trpc/client.js";
import { Device, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { tempDir } from "../helpers/temp.js";
import { sqlOf } from "../helpers/sql.js";
import { backend } from "../helpers/backend.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("session tokens are stored only as SHA-256 hashes", () => {
  it("the database holds the hash of the cookie's token, never the token", async () => {
    const device = await signUpAndIn(server.url, { username: uniqueName(), password: "original password 1" });
    const token = device.cookies.get("session")!;
    const ids = (await sqlOf(server.app.store).values("SELECT id FROM session")) as string[];
    expect(ids).toContain(sessionIdOf(token));
    expect(ids).not.toContain(token);
    expect(JSON.stringify((await sqlOf(server.app.store).all("SELECT * FROM session")))).not.toContain(token);
  });

  it("a copied database hands out no session: its ids do not work as cookies or bearer tokens", async () => {
    await signUpAndIn(server.url, { username: uniqueName(), password: "original password 1" });
    const ids = (await sqlOf(server.app.store).values("SELECT id FROM session")) as string[];
    for (const id of ids) {
      const thief = new Device(server.url);
      thief.cookies.set("session", id);
      expect((await thief.request("/private/change-password")).status).toBe(302);
      expect(await createClient({ url: `${server.url}/trpc`, token: id }).auth.me.query()).toBeNull();
    }
  });
});

describe("sessions from before hashed tokens", () => {
  // SQLite's migration 2; PostgreSQL support came after hashed tokens.
  it.skipIf(backend !== "sqlite")("are ended by the migration, cleanly", () => {
    const dir = tempDir();
    const db = new Database(join(dir.path, "old.db"));
    db.exec(readFileSync("db/migrations/sqlite/001_init.sql", "utf8"));
    db.exec("CREATE TABLE schema_migration (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
    db.prepare("INSERT INTO schema_migration VALUES (1, 'init', 0)").run();
    db.prepare("INSERT INTO user (id, username, email, password_hash, created_at) VALUES ('u', 'old', 'old@example.com', 'h', 0)").run();
    db.prepare("INSERT INTO session (id, expires_at, user_id) VALUES ('raw-token', 4102444800, 'u')").run();

    expect(migrate(db)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(db.prepare("SELECT count(*) FROM session").pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM user").pluck().get()).toBe(1);
    db.close();
    dir.remove();
  });
});
