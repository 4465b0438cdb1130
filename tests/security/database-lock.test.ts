import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { backend } from "../helpers/backend.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * Another connection (a second process, a backup, the command line) holds SQLite's write lock.
 * Nothing may stand the event loop still while waiting for it, and a lock held for too long is
 * the server being busy (503 with Retry-After), never a 500.
 */

let server: TestServer;
let lock: Database.Database;
// SQLite's file lock; tests/security/database-faults.test.ts holds PostgreSQL's row locks.
const sqliteOnly = backend !== "sqlite";
beforeAll(async () => {
  if (sqliteOnly) return;
  server = await startServer({ rateLimitIpAttempts: 100_000 });
  lock = new Database(server.database.databasePath);
});
afterEach(() => {
  if (lock?.inTransaction) lock.exec("ROLLBACK");
});
afterAll(async () => {
  lock?.close();
  await server?.close();
});

const password = "original password 1";

describe.skipIf(sqliteOnly)("while another connection holds the write lock", () => {
  it("pages keep answering while a sign-in waits for the lock, and the sign-in completes once it is free", async () => {
    const username = uniqueName("lock");
    const device = await signUpAndIn(server.url, { username, password });

    lock.exec("BEGIN IMMEDIATE");
    let signInDone = false;
    const signingIn = createClient({ url: `${server.url}/trpc` })
      .auth.login.mutate({ username, password })
      .finally(() => (signInDone = true));

    // A page that only reads, signed out and signed in: both answer while the sign-in still waits.
    expect((await new Device(server.url).request("/login")).status).toBe(200);
    expect((await device.request("/private/change-password")).status).toBe(200);
    expect(signInDone).toBe(false);

    lock.exec("ROLLBACK");
    const { token } = await signingIn;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("a lock held for longer than the server waits gives 503 with Retry-After on every door, and nothing changes", async () => {
    const username = uniqueName("lock");
    const device = await signUpAndIn(server.url, { username, password });
    const changeFields = { current_password: password, new_password: "a brand new password", confirm_new_password: "a brand new password" };

    lock.exec("BEGIN IMMEDIATE");
    // The lock is held until every answer is in: however slow the machine, the server gives up first.
    const [trpc, form, json] = await Promise.all([
      fetch(`${server.url}/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password }),
      }),
      new Device(server.url).postForm("/login", { username, password }),
      device.postJson("/private/change-password", changeFields),
    ]);
    lock.exec("ROLLBACK");

    for (const response of [trpc, form, json]) {
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("2");
    }
    expect(((await trpc.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe("busy");
    expect(((await json.json()) as { detail: string }).detail).toBe("The server is busy. Try again in 2 seconds.");

    // Nothing changed: the old password still works, the device is still signed in.
    expect((await device.request("/private/change-password")).status).toBe(200);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
  });
});
