import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend, postgresUrl } from "../helpers/backend.js";
import { openTestStore } from "../helpers/database.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";
import { tempDir } from "../helpers/temp.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-databases.js";

/**
 * Growing from one machine to several: `npm run copy-to-postgres` copies a SQLite database that
 * has been in use into an empty PostgreSQL database, and the app started on PostgreSQL carries on
 * where it stopped: same passwords, same signed-in devices, same form tokens and counters.
 */

const dir = tempDir("cp-copy-");
const databasePath = join(dir.path, "app.db");
let target: TestDatabase;
beforeAll(async () => {
  if (backend === "postgres") target = await createTestDatabase(postgresUrl!);
});
afterAll(async () => {
  await target?.drop();
  dir.remove();
});

const password = "original password 1";
const changed = "changed on sqlite 22";

function copy(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/cli/copy-to-postgres.ts"], {
    env: { ...process.env, DATABASE_PATH: databasePath, DATABASE_URL: target.url, LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe.skipIf(backend !== "postgres")("copying a SQLite database into PostgreSQL", () => {
  it("signs nobody out: passwords, sessions, device cookies, form tokens, counters, audit and outbox come along", async () => {
    // A SQLite-backed app in use: two accounts, signed-in devices, a change, failed guesses.
    let sqliteServer: TestServer | null = await startServer({ databasePath });
    const alice = uniqueName("alice");
    const bob = uniqueName("bob");
    const aliceDevice = await signUpAndIn(sqliteServer.url, { username: alice, password });
    const bobDevice = await signUpAndIn(sqliteServer.url, { username: bob, password });
    const changedResponse = await bobDevice.submitForm("/private/change-password", {
      current_password: password,
      new_password: changed,
      confirm_new_password: changed,
    });
    expect(changedResponse.status).toBe(303);
    await signIn(bobDevice, { username: bob, password: changed });
    for (let guess = 0; guess < 3; guess++) await signIn(new Device(sqliteServer.url), { username: alice, password: "a wrong guess" });
    // A reset link e-mailed and not yet used.
    expect((await new Device(sqliteServer.url).postForm("/forgot-password", { email_or_username: alice })).status).toBe(303);
    const resetPath = /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(
      (await sqlOf(sqliteServer.app.store).value<string>("SELECT body FROM outbox WHERE subject = ?", "Reset your password")) ?? "",
    )![0];
    const formToken = await aliceDevice.formToken("/private/change-password");
    const before = sqlOf(sqliteServer.app.store);
    const counts = {
      users: await before.value(`SELECT count(*) FROM "user"`),
      events: await before.value("SELECT count(*) FROM auth_event"),
      outbox: await before.value("SELECT count(*) FROM outbox"),
      counters: await before.value("SELECT count(*) FROM rate_limit"),
    };
    // What the signed-in devices page shows of each session.
    const devicesQuery = "SELECT id, user_agent, ip, last_seen_at FROM session ORDER BY id";
    const devices = await before.all(devicesQuery);
    expect(devices).toHaveLength(2);
    await sqliteServer.close();
    sqliteServer = null;

    const result = await copy();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Copied .* into PostgreSQL: 2 users, 2 live sessions, 1 settings, \d+ rate-limit counters, \d+ audit events, 2 outbox messages, 1 password-reset links\.\n$/);

    const store = await openTestStore({ databasePath, databaseUrl: target.url });
    try {
      const after = sqlOf(store);
      expect({
        users: await after.value(`SELECT count(*) FROM "user"`),
        events: await after.value("SELECT count(*) FROM auth_event"),
        outbox: await after.value("SELECT count(*) FROM outbox"),
        counters: await after.value("SELECT count(*) FROM rate_limit"),
      }).toEqual(counts);
      expect(await after.all(devicesQuery)).toEqual(devices);
      // New rows continue after the copied ids.
      await store.authEvents.insert({ type: "registered", reason: null, userId: null, ip: null, userAgent: null, createdAt: Date.now() });
    } finally {
      await store.close();
    }

    const pgServer = await startServer({ databasePath, databaseUrl: target.url });
    try {
      // The same cookies open the same pages: sessions and the app's secret came along.
      const aliceThere = new Device(pgServer.url);
      for (const [name, value] of aliceDevice.cookies) aliceThere.cookies.set(name, value);
      const page = await aliceThere.request("/private/change-password");
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`Signed in as ${alice}.`);
      // The unused reset link still opens its form.
      const reset = await new Device(pgServer.url).request(resetPath);
      expect(reset.status).toBe(200);
      expect(await reset.text()).toContain(`For the account ${alice}.`);
      // A form rendered before the move is accepted after it.
      const fresh = "changed on postgres 333";
      const posted = await aliceThere.postForm("/private/change-password", {
        csrf: formToken,
        current_password: password,
        new_password: fresh,
        confirm_new_password: fresh,
      });
      expect(posted.status).toBe(303);
      // Bob's change made on SQLite holds: only his new password works.
      expect((await signIn(new Device(pgServer.url), { username: bob, password })).status).toBe(401);
      expect((await signIn(new Device(pgServer.url), { username: bob, password: changed })).status).toBe(303);
    } finally {
      await pgServer.close();
    }

    // A second run finds a database in use and copies nothing.
    const again = await copy();
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split("\n")).toHaveLength(1);
    expect(again.stderr).toMatch(/already has users/);
  });
});
