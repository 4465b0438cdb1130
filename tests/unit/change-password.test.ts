import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changePassword, type ChangePasswordDeps } from "../../server/auth/change-password.js";
import { passwordHasher } from "../../server/auth/passwords.js";
import { createSessionService, sessionIdOf } from "../../server/auth/sessions.js";
import { createThrottle } from "../../server/auth/throttle.js";
import { databaseWithUser } from "../helpers/database.js";

const current = "current password 1";
const settings = {
  readOnly: false,
  invalidateSessions: true,
  afterPasswordChange: "sign-in-again" as "sign-in-again" | "stay-signed-in",
  minPasswordLength: 12,
  maxPasswordLength: 128,
};

let fixture: Awaited<ReturnType<typeof databaseWithUser>>;
let deps: ChangePasswordDeps;

beforeEach(async () => {
  fixture = await databaseWithUser(current);
  const throttle = createThrottle(fixture.db, { accountAttempts: 50, ipAttempts: 50, windowSeconds: 900 });
  const sessions = createSessionService(fixture.db, { cookieName: "session", secure: false, endSessionsOnPasswordChange: true });
  deps = { users: fixture.users, passwords: passwordHasher, throttle, sessions, settings };
});
afterEach(() => fixture.close());

const change = (input: { currentPassword: string; newPassword: string; confirmNewPassword?: string }, over = {}) =>
  changePassword({ ...deps, settings: { ...settings, ...over } }, { user: alice(), ip: "127.0.0.1", ...input });

const alice = () => ({ id: fixture.userId, username: "alice", email: "alice@example.com" });

async function storedHash() {
  return (await fixture.users.findById(fixture.userId))!.passwordHash;
}

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
    expect(result).toEqual({
      ok: false,
      reason: "missing_fields",
      message: "Form is invalid. Missing one or more fields.",
      field,
    });
  });

  it("refuses a new password shorter than the minimum", async () => {
    const result = await change({ currentPassword: current, newPassword: "short", confirmNewPassword: "short" });
    expect(result).toMatchObject({ reason: "too_short", message: "Password must be at least 12 characters long." });
  });

  it("refuses a new password over the maximum with our own message", async () => {
    const long = "a".repeat(129);
    const result = await change({ currentPassword: current, newPassword: long, confirmNewPassword: long });
    expect(result).toMatchObject({ reason: "too_long", message: "Password must be at most 128 characters long." });
    const exactly = "a".repeat(128);
    expect(await change({ currentPassword: current, newPassword: exactly, confirmNewPassword: exactly })).toMatchObject({ ok: true });
  });

  it("refuses a confirmation that differs, even only in case", async () => {
    const result = await change({ currentPassword: current, newPassword: "new password 12", confirmNewPassword: "NEW PASSWORD 12" });
    expect(result).toMatchObject({ reason: "mismatch", message: "Passwords do not match.", field: "confirmNewPassword" });
  });

  it("refuses a wrong current password and changes nothing", async () => {
    fixture.addSession("s1");
    const before = await storedHash();
    const result = await change({ currentPassword: "not it at all", newPassword: "new password 12", confirmNewPassword: "new password 12" });
    expect(result).toMatchObject({ reason: "incorrect_password", message: "Incorrect password.", field: "currentPassword" });
    expect(await storedHash()).toBe(before);
    expect(fixture.sessionCount()).toBe(1);
  });

  it("skips the confirmation check when an API client leaves it out", async () => {
    const result = await change({ currentPassword: current, newPassword: "new password 12" });
    expect(result).toMatchObject({ ok: true, revokedSessions: 0 });
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

  it("reports missing fields before the length", async () => {
    const result = await change({ currentPassword: "", newPassword: "short", confirmNewPassword: "short" });
    expect(result).toMatchObject({ reason: "missing_fields" });
  });
});

describe("changePassword: what counts as a character", () => {
  it("counts Unicode code points: twelve emoji are twelve characters", async () => {
    const emoji = "🔑".repeat(12); // 24 UTF-16 code units
    expect(await change({ currentPassword: current, newPassword: emoji, confirmNewPassword: emoji })).toMatchObject({ ok: true });
    expect(await passwordHasher.verify(await storedHash(), emoji)).toBe(true);
  });

  it("does not let UTF-16 length pass a password that is too short in code points", async () => {
    const emoji = "🔑".repeat(11); // 22 code units, 11 code points
    expect(await change({ currentPassword: current, newPassword: emoji, confirmNewPassword: emoji })).toMatchObject({ reason: "too_short" });
  });

  it("counts code points for the maximum too", async () => {
    const emoji = "🔑".repeat(100); // 200 code units, 100 code points: allowed
    expect(await change({ currentPassword: current, newPassword: emoji, confirmNewPassword: emoji })).toMatchObject({ ok: true });
  });

  it("keeps whitespace: twelve spaces are a password, and a padded one is not the trimmed one", async () => {
    const spaces = " ".repeat(12);
    expect(await change({ currentPassword: current, newPassword: spaces, confirmNewPassword: spaces })).toMatchObject({ ok: true });
    expect(await passwordHasher.verify(await storedHash(), spaces)).toBe(true);

    const padded = "  padded password  ";
    expect(await change({ currentPassword: spaces, newPassword: padded, confirmNewPassword: padded })).toMatchObject({ ok: true });
    expect(await passwordHasher.verify(await storedHash(), "padded password")).toBe(false);
    expect(await passwordHasher.verify(await storedHash(), padded)).toBe(true);
  });
});

describe("changePassword: success", () => {
  it("stores a new hash, records the time and deletes every session of the user", async () => {
    fixture.addSession("s1");
    fixture.addSession("s2");
    const result = await changePassword(
      { ...deps, now: () => 1_700_000_000_000 },
      { user: alice(), ip: "127.0.0.1", currentPassword: current, newPassword: "new password 12", confirmNewPassword: "new password 12" },
    );
    expect(result).toEqual({
      ok: true,
      revokedSessions: 2,
      otherSessionsEnded: 2,
      changedAt: 1_700_000_000_000,
      newSession: null,
    });
    expect(fixture.sessionCount()).toBe(0);
    const user = await fixture.users.findById(fixture.userId);
    expect(user?.passwordChangedAt).toBe(1_700_000_000_000);
    expect(await passwordHasher.verify(user!.passwordHash, "new password 12")).toBe(true);
    expect(await passwordHasher.verify(user!.passwordHash, current)).toBe(false);
  });

  it("keeps sessions when invalidateSessions is off", async () => {
    fixture.addSession("s1");
    const result = await change({ currentPassword: current, newPassword: "new password 12", confirmNewPassword: "new password 12" }, { invalidateSessions: false });
    expect(result).toMatchObject({ ok: true, revokedSessions: 0 });
    expect(fixture.sessionCount()).toBe(1);
  });

  it("in stay-signed-in mode replaces this session with a fresh one in the same transaction", async () => {
    fixture.addSession("this-device");
    fixture.addSession("other-device");
    const result = await changePassword(
      { ...deps, settings: { ...settings, afterPasswordChange: "stay-signed-in" } },
      { user: alice(), sessionId: "this-device", ip: "127.0.0.1", currentPassword: current, newPassword: "new password 12" },
    );
    if (!result.ok) throw new Error(result.message);
    expect(result).toMatchObject({ revokedSessions: 2, otherSessionsEnded: 1 });
    expect(result.newSession?.cookie).toMatch(new RegExp(`^session=${result.newSession?.token}; HttpOnly`));
    const rows = fixture.db.prepare("SELECT id, created_at FROM session").all() as { id: string; created_at: number }[];
    expect(rows).toEqual([{ id: sessionIdOf(result.newSession!.token), created_at: result.changedAt + 1 }]);
  });
});
