import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { backend } from "../helpers/backend.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startCluster, type Cluster } from "../helpers/postgres-cluster.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { createTestDatabase } from "../helpers/test-databases.js";
import { openTestStore } from "../helpers/database.js";
import type { Store } from "../../db/store.js";

/**
 * PostgreSQL going away, coming back, or holding a lock too long: every door answers 503 with
 * Retry-After (never a 500), and the app recovers by itself once the database is back. The cluster
 * is this file's own, since the test stops it. (SQLite's counterpart: database-lock.test.ts.)
 */

const password = "original password 1";
const fresh = "a brand new password 2";

let cluster: Cluster;
let server: TestServer;
beforeAll(async () => {
  if (backend !== "postgres") return;
  cluster = await startCluster();
  const database = await createTestDatabase(cluster.url);
  // A short statement timeout, so that a held lock turns into 503 quickly; generous enough for a busy machine.
  server = await startServer({ databaseUrl: database.url, databaseStatementTimeoutMs: 1500 });
});
afterAll(async () => {
  await server?.close();
  await cluster?.destroy();
});

/** The answers of one authenticated request through each door, while the database is in some state. */
async function throughEveryDoor(device: Device, token: string | null) {
  const attempt = { current_password: password, new_password: fresh, confirm_new_password: fresh };
  const page = await device.request("/private/change-password");
  const form = await device.submitForm("/private/change-password", attempt);
  const json = await device.postJson("/private/change-password", attempt);
  const trpc = await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
  return { page, form, json, trpc };
}

describe.skipIf(backend !== "postgres")("PostgreSQL faults", () => {
  it("a stopped database is 503 with Retry-After through every door, and the app recovers when it starts again", async () => {
    const username = uniqueName("outage");
    const device = await signUpAndIn(server.url, { username, password });
    const { token } = await createClient({ url: `${server.url}/trpc` }).auth.login.mutate({ username, password });

    await cluster.stop("fast");
    try {
      const answers = await throughEveryDoor(device, token);
      for (const [door, response] of Object.entries(answers)) {
        expect(response.status, door).toBe(503);
        expect(response.headers.get("retry-after"), door).toMatch(/^\d+$/);
        expect(await response.text(), door).not.toMatch(/ECONNREFUSED|postgres|at .*\.(ts|js)/i);
      }
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await cluster.start();
    }

    // Back without restarting the app: the pool opens new connections on demand.
    expect((await device.request("/private/change-password")).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const changed = await device.submitForm("/private/change-password", {
      current_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(changed.status).toBe(303);
    expect((await signIn(new Device(server.url), { username, password: fresh })).status).toBe(303);
  });

  it("survives a crash of the database under traffic: no 500, and every request after the restart succeeds", async () => {
    const username = uniqueName("crash");
    const device = await signUpAndIn(server.url, { username, password });
    const statuses: number[] = [];
    let running = true;
    const traffic = (async () => {
      while (running) statuses.push((await device.request("/private/change-password")).status);
    })();
    // Some requests before, during and after an immediate (crash) stop and a restart.
    while (statuses.length < 5) await new Promise((resolve) => setTimeout(resolve, 10));
    await cluster.stop("immediate");
    const duringOutage = statuses.length;
    while (statuses.length < duringOutage + 5) await new Promise((resolve) => setTimeout(resolve, 10));
    await cluster.start();
    const afterRestart = statuses.length;
    while (statuses.length < afterRestart + 10) await new Promise((resolve) => setTimeout(resolve, 10));
    running = false;
    await traffic;

    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect(statuses.slice(duringOutage, duringOutage + 5)).toContain(503);
    // Once up again, every request is served (a request in flight across the restart may still get 503).
    expect(statuses.slice(-5)).toEqual([200, 200, 200, 200, 200]);
  });

  describe("another connection holds a lock longer than the statement timeout", () => {
    let store: Store;
    beforeAll(async () => {
      if (backend !== "postgres") return;
      store = await openTestStore(server.database);
    });
    afterAll(async () => {
      await store?.close();
    });

    it("a change waiting for the user's row is 503 with Retry-After on every door, and nothing changes", async () => {
      const username = uniqueName("locked");
      const device = await signUpAndIn(server.url, { username, password });
      const { token } = await createClient({ url: `${server.url}/trpc` }).auth.login.mutate({ username, password });
      if (store.driver.dialect !== "postgres") throw new Error("postgres only");
      const holder = await store.driver.pool.connect();
      try {
        await holder.query("BEGIN");
        await holder.query(`SELECT 1 FROM "user" WHERE username = $1 FOR UPDATE`, [username]);
        const attempt = { currentPassword: password, newPassword: fresh, confirmNewPassword: fresh };
        const trpc = await fetch(`${server.url}/trpc/auth.changePassword`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(attempt),
        });
        const seed = { current_password: password, new_password: fresh, confirm_new_password: fresh };
        const form = await device.submitForm("/private/change-password", seed);
        const json = await device.postJson("/private/change-password", seed);
        for (const [door, response] of Object.entries({ trpc, form, json })) {
          expect(response.status, door).toBe(503);
          expect(response.headers.get("retry-after"), door).toMatch(/^\d+$/);
        }
      } finally {
        await holder.query("ROLLBACK");
        holder.release();
      }
      // The lock is gone: the old password still works, and a change goes through.
      expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
      const retried = await device.submitForm("/private/change-password", {
        current_password: password,
        new_password: fresh,
        confirm_new_password: fresh,
      });
      expect(retried.status).toBe(303);
    });
  });
});
