import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuthDependencies } from "../../server/auth/dependencies.js";
import { createSessionService, lastSeenWindowMinutes, sessionIdOf } from "../../server/auth/sessions.js";
import { listSignedInDevices, signOutDevice, signOutOtherDevices } from "../../server/auth/signed-in-devices.js";
import { authDependencies } from "../helpers/auth-dependencies.js";
import { databaseWithUser } from "../helpers/database.js";
import type { Sql } from "../helpers/sql.js";

/**
 * The flows behind /private/sessions and the `auth.sessions` procedures, on a real database of
 * this run's backend: what the list shows, that only the owner's own sessions can be ended, and
 * how often "last seen" is written.
 */

const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const chromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const requester = { ip: "198.51.100.7", userAgent: firefox };

let fixture: Awaited<ReturnType<typeof databaseWithUser>>;
let deps: AuthDependencies;
/** alice's session on the device that asks, and its token. */
let mine: { id: string; userId: string };

beforeEach(async () => {
  fixture = await databaseWithUser("alice's password 1");
  deps = authDependencies(fixture.store);
  const { token } = await deps.sessions.create(fixture.userId, 0, requester);
  mine = { id: sessionIdOf(token), userId: fixture.userId };
});
afterEach(() => fixture.close());

async function addUser(id: string, username: string) {
  await fixture.store.users.insert({ id, username, email: `${username}@example.com`, passwordHash: "x", createdAt: 0 });
}

async function sessionIds(): Promise<string[]> {
  return fixture.sql.values<string>("SELECT id FROM session ORDER BY id");
}

describe("listing the account's signed-in devices", () => {
  it("shows each live session with its browser, system, address and times, this one first and marked", async () => {
    const other = await deps.sessions.create(fixture.userId, 0, { ip: "203.0.113.20", userAgent: chromeOnWindows });
    const { devices } = await listSignedInDevices({ ...deps, now: () => 4_000_000_000_000 }, { session: mine });
    expect(devices).toHaveLength(2);
    expect(devices[0]).toMatchObject({ current: true, browser: "Firefox", system: "Linux", ip: "198.51.100.7", lastSeenAt: 4_000_000_000_000 });
    expect(devices[1]).toMatchObject({ current: false, browser: "Chrome", system: "Windows", ip: "203.0.113.20" });
    const stored = await fixture.sql.get<{ created_at: number; last_seen_at: number }>(
      "SELECT created_at, last_seen_at FROM session WHERE id = ?",
      sessionIdOf(other.token),
    );
    expect(devices[1]!.signedInAt).toBe(stored!.created_at);
    expect(devices[1]!.lastSeenAt).toBe(stored!.last_seen_at);
  });

  it("gives opaque ids: neither a token nor a stored id, stable from one listing to the next", async () => {
    const other = await deps.sessions.create(fixture.userId, 0, requester);
    const first = (await listSignedInDevices(deps, { session: mine })).devices.map((device) => device.id);
    const second = (await listSignedInDevices(deps, { session: mine })).devices.map((device) => device.id);
    expect(second).toEqual(first);
    const stored = await sessionIds();
    for (const id of first) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(stored).not.toContain(id);
      expect(other.token).not.toContain(id);
    }
  });

  it("leaves out expired sessions, sessions of older credentials and other accounts' sessions", async () => {
    await fixture.store.sessions.insert({ id: "expired", expiresAt: new Date(1000), userId: fixture.userId, createdAt: 0, credentialVersion: 0 });
    await fixture.addSession("void", 7);
    await addUser("user-2", "bob");
    await fixture.store.sessions.insert({ id: "bobs", expiresAt: new Date(4_102_444_800_000), userId: "user-2", createdAt: 0, credentialVersion: 0 });
    const { devices } = await listSignedInDevices(deps, { session: mine });
    expect(devices).toHaveLength(1);
    expect(devices[0]!.current).toBe(true);
  });

  it("shows sessions from before devices were recorded as unknown, and names only what its lists know", async () => {
    await fixture.addSession("old");
    await deps.sessions.create(fixture.userId, 0, { ip: "192.0.2.1", userAgent: "<script>alert(1)</script> Your account is safe, no action needed" });
    const { devices } = await listSignedInDevices(deps, { session: mine });
    const old = devices.find((device) => device.ip === null)!;
    expect(old).toMatchObject({ browser: null, system: null, ip: null, lastSeenAt: null });
    const odd = devices.find((device) => device.ip === "192.0.2.1")!;
    expect(odd).toMatchObject({ browser: null, system: null });
    expect(JSON.stringify(devices)).not.toMatch(/script|safe/);
  });
});

describe("signing out one device", () => {
  it("ends that session only, and records it", async () => {
    const other = await deps.sessions.create(fixture.userId, 0, { ip: "203.0.113.20", userAgent: chromeOnWindows });
    const { devices } = await listSignedInDevices(deps, { session: mine });
    const target = devices.find((device) => !device.current)!;
    const result = await signOutDevice(deps, { session: mine, id: target.id, requester });
    expect(result).toEqual({ ok: true, device: { browser: "Chrome", system: "Windows" } });
    expect(await sessionIds()).toEqual([mine.id]);
    expect((await deps.sessions.validate(other.token)).valid).toBeNull();
    expect(await fixture.sql.values("SELECT type FROM auth_event")).toEqual(["device_signed_out"]);
  });

  it("refuses another account's session with the same answer as a made-up id, and leaves it alone", async () => {
    await addUser("user-2", "bob");
    const bobs = await deps.sessions.create("user-2", 0, requester);
    const bobsSession = { id: sessionIdOf(bobs.token), userId: "user-2" };
    const bobsId = (await listSignedInDevices(deps, { session: bobsSession })).devices[0]!.id;

    const foreign = await signOutDevice(deps, { session: mine, id: bobsId, requester });
    const madeUp = await signOutDevice(deps, { session: mine, id: "AAAAAAAAAAAAAAAAAAAAAA", requester });
    // The stored id itself (which a page never sees) opens nothing either.
    const stored = await signOutDevice(deps, { session: mine, id: bobsSession.id, requester });
    expect(foreign).toEqual({ ok: false, reason: "no_such_device", message: "That device is not signed in to your account." });
    expect(madeUp).toEqual(foreign);
    expect(stored).toEqual(foreign);
    expect((await deps.sessions.validate(bobs.token)).valid?.user.username).toBe("bob");
    expect(await fixture.sql.values("SELECT type FROM auth_event")).toEqual([]);
  });

  it("does not sign out the device that asks (that is what Sign out is for)", async () => {
    const own = (await listSignedInDevices(deps, { session: mine })).devices[0]!;
    expect(await signOutDevice(deps, { session: mine, id: own.id, requester })).toMatchObject({ ok: false, reason: "this_device" });
    expect(await sessionIds()).toEqual([mine.id]);
  });

  it("answers 'not signed in' for a device that was signed out meanwhile", async () => {
    await deps.sessions.create(fixture.userId, 0, requester);
    const target = (await listSignedInDevices(deps, { session: mine })).devices.find((device) => !device.current)!;
    expect(await signOutDevice(deps, { session: mine, id: target.id, requester })).toMatchObject({ ok: true });
    expect(await signOutDevice(deps, { session: mine, id: target.id, requester })).toMatchObject({ ok: false, reason: "no_such_device" });
  });
});

describe("signing out every other device", () => {
  it("ends every other session of the account, counts the live ones, keeps this one and other accounts'", async () => {
    await deps.sessions.create(fixture.userId, 0, requester);
    await deps.sessions.create(fixture.userId, 0, requester);
    await fixture.addSession("void", 7);
    await fixture.store.sessions.insert({ id: "expired", expiresAt: new Date(1000), userId: fixture.userId, createdAt: 0, credentialVersion: 0 });
    await addUser("user-2", "bob");
    await fixture.store.sessions.insert({ id: "bobs", expiresAt: new Date(4_102_444_800_000), userId: "user-2", createdAt: 0, credentialVersion: 0 });

    expect(await signOutOtherDevices(deps, { session: mine, requester })).toEqual({ ok: true, signedOut: 2 });
    expect(await sessionIds()).toEqual(["bobs", mine.id].sort());
    expect(await signOutOtherDevices(deps, { session: mine, requester })).toEqual({ ok: true, signedOut: 0 });
    expect(await fixture.sql.values("SELECT type FROM auth_event")).toEqual(["other_devices_signed_out", "other_devices_signed_out"]);
  });
});

/**
 * Whether anything was written: on SQLite the connection's change counter (the app and the test
 * share the connection), on PostgreSQL the session row's xmin (every update makes a new row version).
 */
async function writeMark(sql: Sql, id: string): Promise<string> {
  return sql.dialect === "sqlite" ? String(await sql.value("SELECT total_changes()")) : String(await sql.value("SELECT xmin::text FROM session WHERE id = ?", id));
}

describe(`"last seen", written at most once per ${lastSeenWindowMinutes} minutes per session`, () => {
  it("is set when a session starts, and a check within the window writes nothing", async () => {
    let clock = 1_800_000_000_000;
    const sessions = createSessionService(fixture.store, { cookieName: "session", secure: false, now: () => clock });
    const { token } = await sessions.create(fixture.userId, 0, requester);
    const id = sessionIdOf(token);
    const lastSeen = () => fixture.sql.value<number>("SELECT last_seen_at FROM session WHERE id = ?", id);
    expect(await lastSeen()).toBe(clock);

    const before = await writeMark(fixture.sql, id);
    for (const minutes of [0, 1, lastSeenWindowMinutes - 0.01]) {
      clock = 1_800_000_000_000 + minutes * 60_000;
      expect((await sessions.validate(token)).valid).not.toBeNull();
    }
    expect(await writeMark(fixture.sql, id)).toBe(before);
    expect(await lastSeen()).toBe(1_800_000_000_000);

    // Past the window: one write, then quiet again for another window.
    clock = 1_800_000_000_000 + lastSeenWindowMinutes * 60_000 + 1;
    await sessions.validate(token);
    expect(await lastSeen()).toBe(clock);
    const after = await writeMark(fixture.sql, id);
    expect(after).not.toBe(before);
    clock += 60_000;
    await sessions.validate(token);
    expect(await writeMark(fixture.sql, id)).toBe(after);
  });

  it("is written on the first use of a session from before it was kept", async () => {
    const clock = 1_800_000_000_000;
    const sessions = createSessionService(fixture.store, { cookieName: "session", secure: false, now: () => clock });
    const { token } = await sessions.create(fixture.userId, 0, requester);
    await fixture.sql.run("UPDATE session SET last_seen_at = NULL WHERE id = ?", sessionIdOf(token));
    await sessions.validate(token);
    expect(await fixture.sql.value("SELECT last_seen_at FROM session WHERE id = ?", sessionIdOf(token))).toBe(clock);
  });
});
