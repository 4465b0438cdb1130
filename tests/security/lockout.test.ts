import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { migrate, openDatabase } from "../../db/sqlite/database.js";
import { createClient } from "../../server/trpc/client.js";
import { countingHasher, until } from "../helpers/counting-hasher.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { serversForEachTest, type TestServer } from "../helpers/server.js";
import { tempDir } from "../helpers/temp.js";
import { sqlOf } from "../helpers/sql.js";
import { backend } from "../helpers/backend.js";

/**
 * Lockout must not be a weapon (OWASP device cookies, rate-limiter-flexible's login recipe):
 * guessing from elsewhere does not lock the owner out of the browsers they use nor of their own
 * address, yet guessing from many addresses is still stopped, and a refused attempt costs nothing.
 * Addresses are played through X-Forwarded-For on a server that trusts it.
 */

const password = "original password 1";
const fresh = "a brand new password";
const ownerAddress = "198.51.100.10";
const attackers = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"];

const serverWith = serversForEachTest({ trustProxy: true });

/** The owner registers and signs in from their browser at home, then signs out: the browser is now a known device. */
async function ownerWithKnownDevice(server: TestServer, username: string) {
  const browser = await signUpAndIn(server.url, { username, password }, { forwardedFor: ownerAddress });
  expect((await browser.submitForm("/logout", {})).status).toBe(303);
  expect(browser.cookies.has("session")).toBe(false);
  return browser;
}

async function guessFrom(server: TestServer, address: string, username: string): Promise<number> {
  return (await signIn(new Device(server.url, address), { username, password: "a wrong guess" })).status;
}

async function counterRows(server: TestServer) {
  return (await sqlOf(server.app.store).all("SELECT key, points, expire FROM rate_limit ORDER BY key"));
}

describe("guessing from other addresses", () => {
  it("leaves the owner able to sign in and change the password from a known device and from their own address", async () => {
    const server = await serverWith();
    const username = uniqueName("owner");
    const browser = await ownerWithKnownDevice(server, username);

    // Ten wrong guesses from each of four addresses: each address is stopped after five.
    for (const address of attackers) {
      const statuses = [];
      for (let attempt = 0; attempt < 10; attempt++) statuses.push(await guessFrom(server, address, username));
      expect(statuses).toEqual([...Array(5).fill(401), ...Array(5).fill(429)]);
    }

    // The owner's browser signs in with the right password, and can change it too.
    expect((await signIn(browser, { username, password })).status).toBe(303);
    // So does a browser the account has never seen, at the owner's own address.
    expect((await signIn(new Device(server.url, ownerAddress), { username, password })).status).toBe(303);
    const change = await browser.postJson("/private/change-password", {
      current_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(change.status).toBe(303);
  });

  it("from the owner's own proxy address spends that address's daily allowance, not the owner's known devices", async () => {
    const server = await serverWith({ rateLimitIpAttempts: 10 });
    const username = uniqueName("owner");
    const browser = await ownerWithKnownDevice(server, username);

    // Someone else behind the same proxy sprays other accounts until the address is refused.
    const statuses = [];
    for (let attempt = 0; attempt < 12; attempt++) statuses.push(await guessFrom(server, ownerAddress, uniqueName("victim")));
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);

    // The owner, behind that same address, still signs in from the browser they use.
    expect((await signIn(browser, { username, password })).status).toBe(303);
  });

  it("from 150 addresses is stopped by the account's daily limit for unknown devices, and nothing more reaches the hash", async () => {
    const { hasher, calls } = countingHasher();
    const server = await serverWith({ passwordHasher: hasher });
    const username = uniqueName("owner");
    const browser = await ownerWithKnownDevice(server, username);

    const before = calls.verify;
    const addresses = Array.from({ length: 150 }, (_, index) => `10.9.${Math.floor(index / 200)}.${(index % 200) + 1}`);
    const statuses = await Promise.all(addresses.map((address) => guessFrom(server, address, username)));
    expect(statuses.filter((status) => status === 401)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(50);
    expect(calls.verify - before).toBe(100);

    // Now even the right password from an unknown device is refused, for the rest of the day...
    const stranger = await signIn(new Device(server.url, "10.9.1.1"), { username, password });
    expect(stranger.status).toBe(429);
    expect(Number(stranger.headers.get("retry-after"))).toBeGreaterThan(3600);
    expect(calls.verify - before).toBe(100);
    // ...but not from the owner's browser.
    expect((await signIn(browser, { username, password })).status).toBe(303);
  });

  it("does not count a forged device cookie as a known device", async () => {
    const server = await serverWith({ rateLimitAccountDailyAttempts: 3 });
    const username = uniqueName("owner");
    const browser = await ownerWithKnownDevice(server, username);
    for (const address of attackers.slice(0, 3)) expect(await guessFrom(server, address, username)).toBe(401);

    // The attacker copies the shape of a device cookie with the right account id, but cannot sign it.
    const [id, accountId, mac] = browser.cookies.get("device")!.split(".");
    const forged = new Device(server.url, attackers[3]);
    forged.cookies.set("device", `${"A".repeat(id!.length)}.${accountId}.${mac}`);
    expect((await signIn(forged, { username, password: "a wrong guess" })).status).toBe(429);
    forged.cookies.set("device", `${id}.${accountId}.${"A".repeat(mac!.length)}`);
    expect((await signIn(forged, { username, password: "a wrong guess" })).status).toBe(429);
    expect((await signIn(browser, { username, password })).status).toBe(303);
  });
});

describe("concurrent sign-ins with the right password", () => {
  /**
   * Eight at once while the hash is slow (held until five checks wait on it, the limit, and the
   * other three have had every chance to reach the limiter): all eight get in.
   */
  async function eightAtOnce(gate: ReturnType<typeof countingHasher>, clients: Device[], username: string) {
    gate.hold();
    let answered = 0;
    const signIns = clients.map((client) =>
      signIn(client, { username, password }).then((response) => {
        answered++;
        return response.status;
      }),
    );
    await until(() => gate.held() === 5);
    // A limiter that refuses them answers the other three now; this one makes them wait. Either way
    // the test goes on after a pause, whose length decides nothing.
    await until(() => answered >= 3, 1000);
    gate.release();
    expect(await Promise.all(signIns)).toEqual(Array(8).fill(303));
  }

  it("all succeed, eight at once from one address", async () => {
    const gate = countingHasher();
    const server = await serverWith({ passwordHasher: gate.hasher });
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    await eightAtOnce(gate, Array.from({ length: 8 }, () => new Device(server.url)), username);
  });

  it("all succeed, eight at once from one known device", async () => {
    const gate = countingHasher();
    const server = await serverWith({ passwordHasher: gate.hasher });
    const username = uniqueName();
    const browser = await signUpAndIn(server.url, { username, password });
    const copies = Array.from({ length: 8 }, () => {
      const copy = new Device(server.url);
      for (const [name, value] of browser.cookies) if (name !== "session") copy.cookies.set(name, value);
      return copy;
    });
    await eightAtOnce(gate, copies, username);
  });
});

describe("a refused attempt", () => {
  it("adds no counter row, moves no counter and reaches no hash (refused by the address's limit)", async () => {
    const { hasher, calls } = countingHasher();
    const server = await serverWith({ passwordHasher: hasher, rateLimitIpAttempts: 3 });
    const username = uniqueName("owner");
    await signUpAndIn(server.url, { username, password }, { forwardedFor: ownerAddress });
    for (let attempt = 0; attempt < 3; attempt++) expect(await guessFrom(server, attackers[0]!, username)).toBe(401);

    const rows = await counterRows(server);
    const hashes = { ...calls };
    // Refused: another account never tried before, and the right password, from the spent address.
    expect(await guessFrom(server, attackers[0]!, uniqueName("other"))).toBe(429);
    expect((await signIn(new Device(server.url, attackers[0]), { username, password })).status).toBe(429);
    expect(await counterRows(server)).toEqual(rows);
    expect(calls).toEqual(hashes);
  });

  it("adds no counter row, moves no counter and reaches no hash (refused by the account's daily limit)", async () => {
    const { hasher, calls } = countingHasher();
    const server = await serverWith({ passwordHasher: hasher, rateLimitAccountDailyAttempts: 3 });
    const username = uniqueName("owner");
    await signUpAndIn(server.url, { username, password }, { forwardedFor: ownerAddress });
    for (const address of attackers.slice(0, 3)) expect(await guessFrom(server, address, username)).toBe(401);

    const rows = await counterRows(server);
    const hashes = { ...calls };
    expect(await guessFrom(server, attackers[3]!, username)).toBe(429);
    expect(await guessFrom(server, "192.0.2.200", username.toUpperCase())).toBe(429);
    expect(await counterRows(server)).toEqual(rows);
    expect(calls).toEqual(hashes);
  });
});

describe("the counters table", () => {
  it("holds no username, IP address, device id or session id in clear", async () => {
    const server = await serverWith();
    const username = uniqueName("Owner");
    const browser = await signUpAndIn(server.url, { username, password }, { forwardedFor: ownerAddress });
    // People type passwords into the username field.
    const typedPassword = "Tr0ub4dor&3-typed-in-the-wrong-box";
    expect(await guessFrom(server, "203.0.113.99", typedPassword)).toBe(401);
    expect(await guessFrom(server, "203.0.113.98", username)).toBe(401);
    // A known device's failure and a change's failure (counted per session too).
    expect((await signIn(browser, { username, password: "a wrong guess" })).status).toBe(401);
    const change = await browser.postJson("/private/change-password", {
      current_password: "a wrong guess",
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(change.status).toBe(422);
    const register = await new Device(server.url, "203.0.113.97").postForm("/register", {
      username: uniqueName(),
      email: "someone@example.com",
      password,
      confirm_password: password,
    });
    expect(register.status).toBe(303);

    const keys = (await sqlOf(server.app.store).values("SELECT key FROM rate_limit")) as string[];
    const [deviceId = "", accountId = ""] = browser.cookies.get("device")?.split(".") ?? [];
    const sessionIds = (await sqlOf(server.app.store).values("SELECT id FROM session")) as string[];
    const secrets = [
      typedPassword,
      typedPassword.toLowerCase(),
      username,
      username.toLowerCase(),
      ownerAddress,
      "203.0.113.99",
      "203.0.113.98",
      "203.0.113.97",
      "127.0.0.1",
      deviceId,
      accountId,
      ...sessionIds,
    ].filter(Boolean);
    for (const key of keys) {
      for (const secret of secrets) expect(key).not.toContain(secret);
    }
    // Every kind of counter was written: a failed sign-in per account and address, per address,
    // per account, per device, per session, and a registration.
    expect(keys.length).toBeGreaterThanOrEqual(9);
  });

  // SQLite's migration 5; the PostgreSQL schema never held clear-text keys.
  it.skipIf(backend !== "sqlite")("keeps nothing from before keyed hashes: the upgrade empties it", () => {
    const dir = tempDir();
    const db = openDatabase(join(dir.path, "app.db"));
    try {
      // A database from before migration 5, with counters keyed in clear.
      db.prepare("DELETE FROM schema_migration WHERE version = 5").run();
      db.prepare("INSERT INTO rate_limit (key, points, expire) VALUES (?, 3, ?)").run("account:correct horse battery", Date.now() + 60_000);
      db.prepare("INSERT INTO rate_limit (key, points, expire) VALUES (?, 1, ?)").run("ip:203.0.113.1", Date.now() + 60_000);
      expect(migrate(db)).toEqual([5]);
      expect(db.prepare("SELECT count(*) FROM rate_limit").pluck().get()).toBe(0);
    } finally {
      db.close();
      dir.remove();
    }
  });
});

describe("a change of password", () => {
  it("is counted per session too: a stolen session guessing from many addresses is stopped after five, the owner is not", async () => {
    const server = await serverWith();
    const username = uniqueName("owner");
    const browser = await signUpAndIn(server.url, { username, password }, { forwardedFor: ownerAddress });
    // A bearer token the attacker got hold of, used from ever new addresses.
    const { token } = await createClient({ url: `${server.url}/trpc` }).auth.login.mutate({ username, password });
    const statuses = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      const response = await fetch(`${server.url}/trpc/auth.changePassword`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-forwarded-for": `192.0.2.${attempt + 1}` },
        body: JSON.stringify({ currentPassword: `guess ${attempt}`, newPassword: fresh }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array(5).fill(422), 429, 429]);

    // The owner's own browser is neither signed out nor locked out.
    const change = await browser.postJson("/private/change-password", {
      current_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(change.status).toBe(303);
  });
});
