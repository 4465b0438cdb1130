import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changePassword, type ChangePasswordInput } from "../../server/auth/change-password.js";
import type { AuthDependencies, AuthRules } from "../../server/auth/dependencies.js";
import type { AuthEvent } from "../../server/auth/events.js";
import { sessionIdOf } from "../../server/auth/sessions.js";
import { authDependencies } from "../helpers/auth-dependencies.js";
import { cheapHasher } from "../helpers/cheap-hasher.js";
import { countingHasher } from "../helpers/counting-hasher.js";
import { databaseWithUser } from "../helpers/database.js";

/**
 * Every rule of the change-password flow, against the flow itself on a real SQLite file, with
 * cheap hashing: the doors' tests only check that they reach it.
 */

const current = "current password 1";
const thisDevice = "this-device";

let fixture: Awaited<ReturnType<typeof databaseWithUser>>;
let deps: AuthDependencies;

beforeEach(async () => {
  fixture = await databaseWithUser(current);
  await fixture.addSession(thisDevice);
  deps = authDependencies(fixture.store);
});
afterEach(() => fixture.close());

type Attempt = { currentPassword: string; newPassword: string; confirmNewPassword?: string };

/** The owner, signed in on `thisDevice`, asks for a change. */
function asOwner(attempt: Attempt): ChangePasswordInput {
  const { currentPassword, ...rest } = attempt;
  return {
    authority: {
      by: "owner",
      session: { id: thisDevice, userId: fixture.userId, credentialVersion: 0 },
      currentPassword,
      requester: { ip: "127.0.0.1", userAgent: "test" },
    },
    ...rest,
  };
}

const change = (attempt: Attempt, rules: Partial<AuthRules> = {}) =>
  changePassword({ ...deps, rules: { ...deps.rules, ...rules } }, asOwner(attempt));

const valid = { currentPassword: current, newPassword: "new password 12", confirmNewPassword: "new password 12" };

/** Exactly 128 characters that zxcvbn rates strong (128 times "a" would now be refused as guessable). */
const long128 = "eleven quiet otters juggle saffron lanterns beneath a crooked violet moon, while distant harbours hum forgotten shanties of brass".slice(0, 128);

/** `count` different emoji: one emoji repeated is now refused as guessable. */
const variedEmoji = (count: number) => Array.from({ length: count }, (_, i) => String.fromCodePoint(0x1f300 + ((i * 37) % 256))).join("");

async function storedUser() {
  return (await fixture.store.users.findById(fixture.userId))!;
}

const sessionIds = () => fixture.sql.values<string>("SELECT id FROM session ORDER BY id");

describe("changePassword: each rule, with the seed's messages", () => {
  it("refuses everything in read-only mode, before any other check", async () => {
    const result = await change({ currentPassword: "", newPassword: "x", confirmNewPassword: "y" }, { readOnly: true });
    expect(result).toMatchObject({ ok: false, reason: "read_only", message: "Running in read only mode" });
  });

  it.each([
    ["current password", { currentPassword: "", newPassword: "new password 12", confirmNewPassword: "new password 12" }, "currentPassword"],
    ["new password", { currentPassword: current, newPassword: "", confirmNewPassword: "new password 12" }, "newPassword"],
    ["confirmation", { currentPassword: current, newPassword: "new password 12", confirmNewPassword: "" }, "confirmNewPassword"],
  ] as const)("refuses a missing %s", async (_name, input, field) => {
    const result = await change(input);
    const message = "Form is invalid. Missing one or more fields.";
    expect(result).toEqual({ ok: false, reason: "missing_fields", message, field, fieldFailures: [{ field, reason: "missing_fields", message }] });
  });

  it("refuses a new password shorter than the minimum", async () => {
    const result = await change({ currentPassword: current, newPassword: "short", confirmNewPassword: "short" });
    expect(result).toMatchObject({ reason: "too_short", message: "Password must be at least 12 characters long." });
  });

  it("refuses a new password over the maximum with our own message", async () => {
    const long = "a".repeat(129);
    const result = await change({ currentPassword: current, newPassword: long, confirmNewPassword: long });
    expect(result).toMatchObject({ reason: "too_long", message: "Password must be at most 128 characters long." });
    expect(await change({ currentPassword: current, newPassword: long128, confirmNewPassword: long128 })).toMatchObject({ ok: true });
  });

  it("refuses a confirmation that differs, even only in case", async () => {
    const result = await change({ currentPassword: current, newPassword: "new password 12", confirmNewPassword: "NEW PASSWORD 12" });
    expect(result).toMatchObject({ reason: "mismatch", message: "Passwords do not match.", field: "confirmNewPassword" });
  });

  it("refuses a wrong current password and changes nothing", async () => {
    const before = await storedUser();
    const result = await change({ ...valid, currentPassword: "not it at all" });
    expect(result).toMatchObject({ reason: "incorrect_password", message: "Incorrect password.", field: "currentPassword" });
    expect(await storedUser()).toEqual(before);
    expect(await sessionIds()).toEqual([thisDevice]);
  });

  it("skips the confirmation check when an API client leaves it out", async () => {
    const result = await change({ currentPassword: current, newPassword: "new password 12" });
    expect(result).toMatchObject({ ok: true, revokedSessions: 1, otherSessionsEnded: 0 });
  });
});

describe("changePassword: order of checks", () => {
  it("reports the length before the mismatch (too short and mismatched)", async () => {
    const result = await change({ currentPassword: "wrong", newPassword: "short", confirmNewPassword: "other" });
    expect(result).toMatchObject({ reason: "too_short" });
  });

  it("reports the mismatch before the wrong current password", async () => {
    const result = await change({ currentPassword: "wrong", newPassword: "new password 12", confirmNewPassword: "new password 13" });
    expect(result).toMatchObject({ reason: "mismatch" });
  });

  it("reports the seed's mismatch before our own checks (a common or unchanged password)", async () => {
    expect(await change({ currentPassword: current, newPassword: "password1234", confirmNewPassword: "password12345" })).toMatchObject({
      reason: "mismatch",
    });
    expect(await change({ currentPassword: current, newPassword: current, confirmNewPassword: `${current}!` })).toMatchObject({
      reason: "mismatch",
    });
  });

  it("reports missing fields before the length", async () => {
    const result = await change({ currentPassword: "", newPassword: "short", confirmNewPassword: "short" });
    expect(result).toMatchObject({ reason: "missing_fields" });
  });
});

describe("changePassword: every wrong field at once, the seed's first as the answer", () => {
  it("reports a short new password, a mismatch and a wrong current password together, in the seed's order", async () => {
    const recorded: AuthEvent[] = [];
    const events = { record: async (event: AuthEvent) => void recorded.push(event) };
    const result = await changePassword({ ...deps, events }, asOwner({ currentPassword: "wrong", newPassword: "short", confirmNewPassword: "other" }));
    expect(result).toMatchObject({ ok: false, reason: "too_short", message: "Password must be at least 12 characters long.", field: "newPassword" });
    expect(!result.ok && result.fieldFailures).toEqual([
      { field: "newPassword", reason: "too_short", message: "Password must be at least 12 characters long." },
      { field: "confirmNewPassword", reason: "mismatch", message: "Passwords do not match." },
      { field: "currentPassword", reason: "incorrect_password", message: "Incorrect password." },
    ]);
    // The audit trail records the wrong password, what the lockout policy watches for.
    expect(recorded).toMatchObject([{ type: "password_change_failed", reason: "incorrect_password" }]);
  });

  it("reports every missing field, and the guessable new password beside a missing current one", async () => {
    const missing = await change({ currentPassword: "", newPassword: "", confirmNewPassword: "" });
    expect(!missing.ok && missing.fieldFailures?.map(({ field, reason }) => [field, reason])).toEqual([
      ["currentPassword", "missing_fields"],
      ["newPassword", "missing_fields"],
      ["confirmNewPassword", "missing_fields"],
    ]);
    const weak = await change({ currentPassword: "", newPassword: "password123456", confirmNewPassword: "password123456" });
    expect(weak).toMatchObject({ reason: "missing_fields", field: "currentPassword" });
    expect(!weak.ok && weak.fieldFailures?.map(({ field, reason }) => [field, reason])).toEqual([
      ["currentPassword", "missing_fields"],
      ["newPassword", "too_guessable"],
    ]);
  });

  it("checks the current password even when the new one is refused, counting a wrong one", async () => {
    const counting = countingHasher();
    const withCounting = { ...deps, passwords: counting.hasher };
    const result = await changePassword(withCounting, asOwner({ currentPassword: "not it at all", newPassword: "aaaaaaaaaaaa" }));
    expect(!result.ok && result.fieldFailures?.map(({ reason }) => reason)).toEqual(["too_guessable", "incorrect_password"]);
    expect(counting.calls).toEqual({ verify: 1, hash: 0 });
    const right = await changePassword(withCounting, asOwner({ currentPassword: current, newPassword: "aaaaaaaaaaaa" }));
    expect(!right.ok && right.fieldFailures?.map(({ reason }) => reason)).toEqual(["too_guessable"]);
    expect(await cheapHasher.verify((await storedUser()).passwordHash, current)).toBe(true);
  });

  it("does not spend a hash on the current password while the line of hashes is full: the field failures answer", async () => {
    const counting = countingHasher({ ...cheapHasher, overloaded: () => true });
    const result = await changePassword({ ...deps, passwords: counting.hasher }, asOwner({ currentPassword: "not it at all", newPassword: "short" }));
    expect(result).toMatchObject({ reason: "too_short", fieldFailures: [{ field: "newPassword", reason: "too_short" }] });
    expect(counting.calls.verify).toBe(0);
  });
});

describe("changePassword: the strength judge", () => {
  it.each(["aaaaaaaaaaaa", "111111111111", "password123456", "qwertyuiopasdf"])("refuses %j as too easy to guess, saying what to do", async (weak) => {
    const result = await change({ currentPassword: current, newPassword: weak, confirmNewPassword: weak });
    expect(result).toMatchObject({ ok: false, reason: "too_guessable", field: "newPassword" });
    expect(!result.ok && result.message).toMatch(/^This password is too easy to guess\. .*Add another word or two\. Uncommon words are better\./);
  });

  it("counts the account's own names as easy guesses (zxcvbn alone rates this one strong)", async () => {
    const result = await change({ currentPassword: current, newPassword: "Alice@Example.com!" });
    expect(result).toMatchObject({ reason: "too_guessable" });
    expect(!result.ok && result.message).toContain("It contains your username, your email address or the site's name.");
  });
});

describe("changePassword: what counts as a character", () => {
  it("counts Unicode code points: twelve emoji are twelve characters", async () => {
    const emoji = "🔑🌵🎻🐙🚲🍋🧭🪁🦉🌋🎲🧩"; // 24 UTF-16 code units
    expect(await change({ currentPassword: current, newPassword: emoji, confirmNewPassword: emoji })).toMatchObject({ ok: true });
    expect(await cheapHasher.verify((await storedUser()).passwordHash, emoji)).toBe(true);
  });

  it("does not let UTF-16 length pass a password that is too short in code points", async () => {
    const emoji = "🔑".repeat(11); // 22 code units, 11 code points
    expect(await change({ currentPassword: current, newPassword: emoji, confirmNewPassword: emoji })).toMatchObject({ reason: "too_short" });
  });

  it("counts code points for the maximum too", async () => {
    const emoji = variedEmoji(100); // 200 code units, 100 code points: allowed
    expect(await change({ currentPassword: current, newPassword: emoji, confirmNewPassword: emoji })).toMatchObject({ ok: true });
  });

  it("keeps whitespace: spaces count, a padded password is not the trimmed one, but spaces alone are refused", async () => {
    expect(await change({ currentPassword: current, newPassword: " ".repeat(12) })).toMatchObject({ reason: "no_visible_character" });
    const spaces = " space  inside ";
    expect(await change({ currentPassword: current, newPassword: spaces, confirmNewPassword: spaces })).toMatchObject({ ok: true });
    expect(await cheapHasher.verify((await storedUser()).passwordHash, spaces)).toBe(true);

    // The first change signed this device out; sign it in again under the new version.
    await fixture.addSession(thisDevice, 1);
    const padded = "  padded password  ";
    const again = await changePassword(deps, {
      ...asOwner({ currentPassword: spaces, newPassword: padded, confirmNewPassword: padded }),
      authority: { by: "owner", session: { id: thisDevice, userId: fixture.userId, credentialVersion: 1 }, currentPassword: spaces, requester: { ip: "127.0.0.1", userAgent: null } },
    });
    expect(again).toMatchObject({ ok: true });
    expect(await cheapHasher.verify((await storedUser()).passwordHash, "padded password")).toBe(false);
    expect(await cheapHasher.verify((await storedUser()).passwordHash, padded)).toBe(true);
  });
});

describe("changePassword: what it did, exactly", () => {
  it("stores a new hash, moves the credential version on, records the time and ends every session", async () => {
    await fixture.addSession("s1");
    await fixture.addSession("s2");
    const result = await changePassword({ ...deps, now: () => 1_700_000_000_000 }, asOwner(valid));
    expect(result).toMatchObject({
      ok: true,
      changedAt: 1_700_000_000_000,
      thisDevice: "signed-out",
      newSession: null,
      otherDevices: "signed-out",
      otherSessionsEnded: 2,
      otherSessionsKept: 0,
      revokedSessions: 3,
    });
    expect(await sessionIds()).toEqual([]);
    const user = await storedUser();
    expect(user.passwordChangedAt).toBe(1_700_000_000_000);
    expect(user.credentialVersion).toBe(1);
    expect(await cheapHasher.verify(user.passwordHash, "new password 12")).toBe(true);
    expect(await cheapHasher.verify(user.passwordHash, current)).toBe(false);
  });

  it("with invalidateSessions off and sign-in-again: only this device is signed out, the others carry over", async () => {
    await fixture.addSession("other");
    const result = await change(valid, { invalidateSessions: false });
    expect(result).toMatchObject({ ok: true, thisDevice: "signed-out", otherDevices: "kept", otherSessionsKept: 1, otherSessionsEnded: 0, revokedSessions: 1 });
    expect(await fixture.sql.all("SELECT id, credential_version FROM session")).toEqual([{ id: "other", credential_version: 1 }]);
  });

  it("with invalidateSessions off and stay-signed-in: every session, this one included, carries over", async () => {
    await fixture.addSession("other");
    const result = await change(valid, { invalidateSessions: false, afterPasswordChange: "stay-signed-in" });
    expect(result).toMatchObject({ ok: true, thisDevice: "kept", newSession: null, otherDevices: "kept", otherSessionsKept: 1, revokedSessions: 0 });
    expect(await fixture.sql.all("SELECT id, credential_version FROM session ORDER BY id")).toEqual([
      { id: "other", credential_version: 1 },
      { id: thisDevice, credential_version: 1 },
    ]);
  });

  it("in stay-signed-in mode replaces this session with a fresh one under the new version, in the same transaction", async () => {
    await fixture.addSession("other-device");
    const result = await change({ currentPassword: current, newPassword: "new password 12" }, { afterPasswordChange: "stay-signed-in" });
    if (!result.ok) throw new Error(result.message);
    expect(result).toMatchObject({ thisDevice: "new-session", otherDevices: "signed-out", revokedSessions: 2, otherSessionsEnded: 1 });
    const rows = await fixture.sql.all("SELECT id, credential_version FROM session");
    expect(rows).toEqual([{ id: sessionIdOf(result.newSession!.token), credential_version: 1 }]);
    expect((await deps.sessions.validate(result.newSession!.token)).valid?.user.username).toBe("alice");
  });

  it("does not count expired sessions as devices that stay signed in", async () => {
    await fixture.store.sessions.insert({ id: "expired", expiresAt: new Date(1000), userId: fixture.userId, createdAt: 0, credentialVersion: 0 });
    await fixture.addSession("live");
    expect(await change(valid, { invalidateSessions: false })).toMatchObject({ ok: true, otherDevices: "kept", otherSessionsKept: 1 });
  });

  it("does not count expired or already void sessions as signed-out devices", async () => {
    await fixture.store.sessions.insert({ id: "expired", expiresAt: new Date(1000), userId: fixture.userId, createdAt: 0, credentialVersion: 0 });
    await fixture.addSession("void", 7);
    await fixture.addSession("live");
    expect(await change(valid)).toMatchObject({ ok: true, otherSessionsEnded: 1, revokedSessions: 2 });
    expect(await sessionIds()).toEqual([]);
  });

  it("records the success and queues exactly one notice that tells the truth about other devices", async () => {
    await change(valid, { invalidateSessions: false });
    const notices = await fixture.sql.values<string>("SELECT body FROM outbox");
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain("Devices already signed in to your account stay signed in.");
    expect(notices[0]).not.toContain("has been signed out");
    expect(await fixture.sql.values("SELECT type FROM auth_event")).toEqual(["password_change_succeeded"]);
  });
});

describe("changePassword: races, decided by credential versions", () => {
  it("answers conflict, not 'incorrect', when the password changed after this request was authenticated", async () => {
    expect(await change(valid)).toMatchObject({ ok: true });
    // The same request's view of its session (version 0) is now stale.
    const result = await change({ currentPassword: "new password 12", newPassword: "third password 3" });
    expect(result).toMatchObject({ ok: false, reason: "conflict" });
  });

  it("a session started with the version read before a change is void after it, whatever the clock", async () => {
    const before = await storedUser();
    // A login that read the user (hash and version) before the change, and stores its session after.
    expect(await change(valid)).toMatchObject({ ok: true });
    const late = await deps.sessions.create(fixture.userId, before.credentialVersion, { ip: "127.0.0.1", userAgent: "test" });
    expect((await deps.sessions.validate(late.token)).valid).toBeNull();
    expect(await sessionIds()).toEqual([]);
    const fresh = await deps.sessions.create(fixture.userId, (await storedUser()).credentialVersion, { ip: "127.0.0.1", userAgent: "test" });
    expect((await deps.sessions.validate(fresh.token)).valid?.user.id).toBe(fixture.userId);
  });
});

describe("changePassword by an administrator (npm run passwd)", () => {
  const asAdministrator = (newPassword: string, username = "alice"): ChangePasswordInput => ({
    authority: { by: "administrator", username },
    newPassword,
  });

  it("sets the password without the current one and signs every device out", async () => {
    const result = await changePassword(deps, asAdministrator("set by the admin 1"));
    expect(result).toMatchObject({ ok: true, thisDevice: "none", otherDevices: "signed-out", otherSessionsEnded: 1 });
    expect(await cheapHasher.verify((await storedUser()).passwordHash, "set by the admin 1")).toBe(true);
  });

  it("refuses an unknown user, the current password and read-only mode", async () => {
    expect(await changePassword(deps, asAdministrator("whatever password 1", "ghost"))).toMatchObject({
      reason: "no_such_user",
      message: 'There is no user called "ghost".',
    });
    expect(await changePassword(deps, asAdministrator(current))).toMatchObject({ reason: "same_as_current" });
    expect(await changePassword({ ...deps, rules: { ...deps.rules, readOnly: true } }, asAdministrator("whatever password 1"))).toMatchObject({
      reason: "read_only",
    });
  });
});

describe("changePassword: the owner's choice for the other devices (SIGN_OUT_OTHER_DEVICES_CHOICE)", () => {
  const choose = (signOutOtherDevices: boolean | undefined, rules: Partial<AuthRules>) =>
    changePassword({ ...deps, rules: { ...deps.rules, ...rules } }, { ...asOwner(valid), signOutOtherDevices });

  it.each([
    { invalidateSessions: true, asked: false, otherDevices: "signed-out" },
    { invalidateSessions: false, asked: true, otherDevices: "kept" },
  ] as const)(
    "is ignored when not offered: invalidateSessions=$invalidateSessions holds when the owner asks $asked",
    async ({ invalidateSessions, asked, otherDevices }) => {
      await fixture.addSession("other");
      const result = await choose(asked, { invalidateSessions, signOutOtherDevicesChoice: false });
      expect(result).toMatchObject({ ok: true, thisDevice: "signed-out", otherDevices });
      expect(await sessionIds()).toEqual(otherDevices === "kept" ? ["other"] : []);
    },
  );

  it.each([
    { invalidateSessions: true, asked: false, otherDevices: "kept", left: ["other"] },
    { invalidateSessions: false, asked: true, otherDevices: "signed-out", left: [] },
    { invalidateSessions: true, asked: undefined, otherDevices: "signed-out", left: [] },
    { invalidateSessions: false, asked: undefined, otherDevices: "kept", left: ["other"] },
  ] as const)(
    "decides when offered: asked $asked with invalidateSessions=$invalidateSessions signs the others $otherDevices",
    async ({ invalidateSessions, asked, otherDevices, left }) => {
      await fixture.addSession("other");
      const result = await choose(asked, { invalidateSessions, signOutOtherDevicesChoice: true });
      expect(result).toMatchObject({ ok: true, thisDevice: "signed-out", otherDevices, otherSessionsEnded: otherDevices === "kept" ? 0 : 1 });
      expect(await sessionIds()).toEqual(left);
      const notice = (await fixture.sql.values<string>("SELECT body FROM outbox"))[0];
      expect(notice).toContain(
        otherDevices === "kept" ? "Devices already signed in to your account stay signed in." : "Every other device signed in to your account has been signed out.",
      );
    },
  );

  it("with stay-signed-in: keeping the others keeps this session too; signing them out gives this device a fresh one, recording where it is", async () => {
    await fixture.addSession("other");
    const stay = { afterPasswordChange: "stay-signed-in", signOutOtherDevicesChoice: true } as const;
    const kept = await choose(false, stay);
    expect(kept).toMatchObject({ ok: true, thisDevice: "kept", otherDevices: "kept", newSession: null });
    // This device's session carried over to version 1 with the other one.
    const ended = await changePassword(
      { ...deps, rules: { ...deps.rules, ...stay } },
      {
        authority: {
          by: "owner",
          session: { id: thisDevice, userId: fixture.userId, credentialVersion: 1 },
          currentPassword: "new password 12",
          requester: { ip: "203.0.113.5", userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Firefox/128.0" },
        },
        newPassword: "third password 3",
        signOutOtherDevices: true,
      },
    );
    if (!ended.ok) throw new Error(ended.message);
    expect(ended).toMatchObject({ thisDevice: "new-session", otherDevices: "signed-out", otherSessionsEnded: 1 });
    expect(await fixture.sql.all("SELECT id, ip, user_agent, last_seen_at FROM session")).toEqual([
      {
        id: sessionIdOf(ended.newSession!.token),
        ip: "203.0.113.5",
        user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Firefox/128.0",
        last_seen_at: ended.changedAt,
      },
    ]);
  });
});
