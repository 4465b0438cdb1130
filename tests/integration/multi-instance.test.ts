import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { backend, freshDatabase, type FreshDatabase } from "../helpers/backend.js";
import { openTestStore } from "../helpers/database.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { freePort, startReverseProxy, type ReverseProxy } from "../helpers/nginx.js";
import { startServerProcess, type ServerProcess } from "../helpers/server-process.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * Two app instances (two processes on two ports, as on two machines) on one PostgreSQL database,
 * behind nginx: whatever one instance does holds on the other. Each instance is the real
 * `server/main.ts`, configured by environment variables only.
 */

let database: FreshDatabase;
let a: ServerProcess;
let b: ServerProcess;
let proxy: ReverseProxy;
let proxyPort: number;

const password = "original password 1";

// No PUBLIC_ORIGIN: each request's own Host is its origin, so the tests can also talk to A and B
// directly (nginx passes the client's Host on). TRUST_PROXY: the client's address comes from nginx.
const env = () => ({
  ...database.env,
  TRUST_PROXY: "true",
  // Real Argon2id (the spawned server has no test hasher), so few hashes at once per process.
  HASH_CONCURRENCY: "2",
});

beforeAll(async () => {
  if (backend !== "postgres") return;
  database = await freshDatabase();
  proxyPort = await freePort();
  // A cold start of both at once on an empty database: they must agree on one migration and one secret.
  [a, b] = await Promise.all([startServerProcess({ env: env() }), startServerProcess({ env: env() })]);
  proxy = await startReverseProxy(proxyPort, [a.url, b.url]);
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.remove();
});

/** A device that talks to one instance directly, with another device's cookies. */
function deviceOn(instance: ServerProcess, like?: Device): Device {
  const device = new Device(instance.url);
  if (like) for (const [name, value] of like.cookies) device.cookies.set(name, value);
  return device;
}

describe.skipIf(backend !== "postgres")("two instances on one PostgreSQL, behind nginx", () => {
  it("a cold start of both on an empty database migrated once and agreed on one secret", async () => {
    const store = await openTestStore(database.options);
    try {
      const sql = sqlOf(store);
      const versions = await sql.all<{ version: number; n: number }>("SELECT version, count(*) AS n FROM schema_migration GROUP BY version");
      expect(versions.length).toBeGreaterThan(0);
      expect(versions.every((row) => row.n === 1)).toBe(true);
      expect(await sql.value("SELECT count(*) FROM app_setting WHERE key = 'form_token_secret'")).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("the whole journey through nginx, whichever instance answers each request", async () => {
    const username = uniqueName("proxied");
    const device = await signUpAndIn(proxy.url, { username, password });
    for (let index = 0; index < 4; index++) expect((await device.request("/private/change-password")).status).toBe(200);
    const fresh = "a proxied new password";
    const changed = await device.submitForm("/private/change-password", {
      current_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(changed.status).toBe(303);
    expect((await signIn(new Device(proxy.url), { username, password: fresh })).status).toBe(303);
  });

  it("a change through A signs the user out on B", async () => {
    const username = uniqueName("everywhere");
    const onA = await signUpAndIn(a.url, { username, password });
    const onB = new Device(b.url);
    expect((await signIn(onB, { username, password })).status).toBe(303);
    expect((await onB.request("/private/change-password")).status).toBe(200);
    const fresh = "changed through instance A";
    const changed = await onA.submitForm("/private/change-password", {
      current_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(changed.status).toBe(303);
    expect((await onB.request("/private/change-password")).status).toBe(302);
    expect((await signIn(new Device(b.url), { username, password })).status).toBe(401);
    expect((await signIn(new Device(b.url), { username, password: fresh })).status).toBe(303);
  });

  it("five failures split across A and B block the sixth on either", async () => {
    const username = uniqueName("guessed");
    await signUpAndIn(a.url, { username, password });
    const guess = (instance: ServerProcess) => signIn(new Device(instance.url, "203.0.113.9"), { username, password: "a wrong guess" });
    const statuses = [];
    for (const instance of [a, b, a, b, a]) statuses.push((await guess(instance)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect((await guess(b)).status).toBe(429);
    expect((await guess(a)).status).toBe(429);
    // Even the right password, from that address, waits out the window.
    expect((await signIn(new Device(b.url, "203.0.113.9"), { username, password })).status).toBe(429);
  });

  it("two simultaneous changes, one per instance, have exactly one winner, every round", async () => {
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const username = uniqueName("race");
      await createClient({ url: `${a.url}/trpc` }).auth.register.mutate({ username, email: `${username}@example.com`, password });
      const [tokenA, tokenB] = await Promise.all(
        [a, b].map(async (instance) => (await createClient({ url: `${instance.url}/trpc` }).auth.login.mutate({ username, password })).token),
      );
      const candidates = ["the password from A 1", "the password from B 2"];
      const outcomes = await Promise.allSettled([
        createClient({ url: `${a.url}/trpc`, token: tokenA }).auth.changePassword.mutate({ currentPassword: password, newPassword: candidates[0]! }),
        createClient({ url: `${b.url}/trpc`, token: tokenB }).auth.changePassword.mutate({ currentPassword: password, newPassword: candidates[1]! }),
      ]);
      const winners = outcomes.flatMap((outcome, index) => (outcome.status === "fulfilled" ? [index] : []));
      expect(winners).toHaveLength(1);
      const works = await Promise.all(
        [password, ...candidates].map(async (tried) => (await signIn(new Device(b.url), { username, password: tried })).status === 303),
      );
      // Exactly the winner's password opens the account.
      expect(works).toEqual([false, winners[0] === 0, winners[0] === 1]);
    }
  });

  it("a form rendered by A is accepted by B", async () => {
    const username = uniqueName("form");
    const onA = await signUpAndIn(a.url, { username, password });
    const token = await onA.formToken("/private/change-password");
    expect(token).not.toBe("");
    const onB = deviceOn(b, onA);
    const fresh = "posted to the other instance";
    const response = await onB.postForm("/private/change-password", {
      csrf: token,
      current_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(response.status).toBe(303);
  });

  it("after kill -9 of A in the middle of changes, B serves and every account has exactly one working password", async () => {
    const accounts = Array.from({ length: 6 }, () => uniqueName("killed"));
    const fresh = "changed just before the crash";
    const tokens = await Promise.all(
      accounts.map(async (username) => {
        await createClient({ url: `${b.url}/trpc` }).auth.register.mutate({ username, email: `${username}@example.com`, password });
        return (await createClient({ url: `${a.url}/trpc` }).auth.login.mutate({ username, password })).token;
      }),
    );
    // Changes under way on A, then A dies without any chance to clean up.
    const underWay = tokens.map((token) =>
      createClient({ url: `${a.url}/trpc`, token }).auth.changePassword.mutate({ currentPassword: password, newPassword: fresh }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    a.child.kill("SIGKILL");
    const outcomes = await Promise.allSettled(underWay);
    // The kill really landed mid-stream: at least one change never got its answer.
    expect(outcomes.some((outcome) => outcome.status === "rejected")).toBe(true);

    for (const username of accounts) {
      const old = (await signIn(new Device(b.url), { username, password })).status === 303;
      const changed = (await signIn(new Device(b.url), { username, password: fresh })).status === 303;
      expect([old, changed].filter(Boolean)).toHaveLength(1);
    }
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
  });
});
