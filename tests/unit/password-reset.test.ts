import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changePassword } from "../../server/auth/change-password.js";
import type { AuthDependencies, AuthRules } from "../../server/auth/dependencies.js";
import { requestPasswordReset } from "../../server/auth/request-password-reset.js";
import { resetIdOf, resetLinkLifetimeMs } from "../../server/auth/reset-links.js";
import { checkResetLink, resetPassword } from "../../server/auth/reset-password.js";
import { authDependencies, testOrigin } from "../helpers/auth-dependencies.js";
import { cheapHasher } from "../helpers/cheap-hasher.js";
import { databaseWithUser } from "../helpers/database.js";

/**
 * Every rule of the reset flow, against the flows themselves on this run's store (a SQLite file or
 * a PostgreSQL database), with cheap hashing: the doors' tests only check that they reach them.
 */

const current = "current password 1";
const fresh = "a brand new password";
const requester = { ip: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0" };

let fixture: Awaited<ReturnType<typeof databaseWithUser>>;
let deps: AuthDependencies;
let clock: number;

beforeEach(async () => {
  fixture = await databaseWithUser(current);
  await fixture.addSession("phone");
  await fixture.addSession("laptop");
  clock = Date.now();
  deps = { ...authDependencies(fixture.store), now: () => clock };
});
afterEach(() => fixture.close());

const ask = (emailOrUsername: string, from = requester, rules: Partial<AuthRules> = {}) =>
  requestPasswordReset({ ...deps, rules: { ...deps.rules, ...rules } }, { emailOrUsername, requester: from });

const reset = (token: string, newPassword = fresh, confirmNewPassword: string | undefined = newPassword) =>
  resetPassword(deps, { token, newPassword, confirmNewPassword, requester });

const outbox = () =>
  fixture.sql.all<{ id: number; subject: string; body: string; recipient: string }>("SELECT id, subject, body, recipient FROM outbox ORDER BY id");

/** The token in the newest link e-mail, read from the outbox as the recipient would read the mail. */
async function newestToken(): Promise<string> {
  const bodies = (await outbox()).filter((row) => row.subject === "Reset your password").map((row) => row.body);
  const token = /\/reset-password\/([A-Za-z0-9_-]{43})$/m.exec(bodies.at(-1) ?? "")?.[1];
  if (!token) throw new Error(`no reset link in the outbox: ${JSON.stringify(bodies)}`);
  return token;
}

async function storedUser() {
  return (await fixture.store.users.findById(fixture.userId))!;
}

const resetRows = () =>
  fixture.sql.all<{ id: string; user_id: string; credential_version: number; created_at: number; expires_at: number; used_at: number | null }>(
    "SELECT id, user_id, credential_version, created_at, expires_at, used_at FROM password_reset ORDER BY created_at",
  );

describe("asking for a link", () => {
  it("stores only the SHA-256 of a 256-bit token, for 30 minutes, under the user's credential version", async () => {
    const result = await ask("alice");
    expect(result).toMatchObject({ ok: true, linkLifetimeMinutes: 30 });
    const token = await newestToken();
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const rows = await resetRows();
    expect(rows).toEqual([
      { id: resetIdOf(token), user_id: fixture.userId, credential_version: 0, created_at: clock, expires_at: clock + 30 * 60_000, used_at: null },
    ]);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    // The token itself is in no table but the e-mail waiting to be sent.
    const dump = JSON.stringify(await fixture.sql.all(`SELECT * FROM password_reset`)) + JSON.stringify(await fixture.sql.all(`SELECT * FROM auth_event`));
    expect(dump).not.toContain(token);
  });

  it("e-mails the link at the public origin to the account's address, with where the request came from", async () => {
    await ask("alice");
    const [mail] = await outbox();
    expect(mail).toMatchObject({ recipient: "alice@example.com", subject: "Reset your password" });
    expect(mail!.body).toContain(`\n${testOrigin}/reset-password/${await newestToken()}\n`);
    expect(mail!.body).toContain("from Firefox on Linux at IP address 198.51.100.7");
    expect(mail!.body).toContain("within 30 minutes. It works once");
  });

  it("finds the account by e-mail address too, in any case, and ignores spaces around the name", async () => {
    expect(await ask("  ALICE@Example.COM ")).toMatchObject({ ok: true });
    expect(await ask("Alice")).toMatchObject({ ok: true });
    expect(await resetRows()).toHaveLength(2);
  });

  it("answers an unknown name exactly as a known one, and writes no link and no e-mail", async () => {
    const known = await ask("alice");
    const unknown = await ask("nobody@example.com");
    const unknownName = await ask("nobody");
    const shape = (result: typeof known) => ({ ...result, delivered: typeof (result as { delivered?: unknown }).delivered });
    expect(shape(unknown)).toEqual(shape(known));
    expect(shape(unknownName)).toEqual(shape(known));
    expect(await resetRows()).toHaveLength(1);
    expect(await outbox()).toHaveLength(1);
    // Each was counted (a counter per name, one for the address they share) and audited.
    expect(await fixture.sql.value("SELECT count(*) FROM rate_limit")).toBe(3 + 1);
    const events = await fixture.sql.all<{ type: string; reason: string | null; user_id: string | null }>(
      "SELECT type, reason, user_id FROM auth_event ORDER BY id",
    );
    expect(events).toEqual([
      { type: "password_reset_requested", reason: null, user_id: fixture.userId },
      { type: "password_reset_requested", reason: "unknown_account", user_id: null },
      { type: "password_reset_requested", reason: "unknown_account", user_id: null },
    ]);
  });

  it("answers a name nobody can have (a NUL byte, non-ASCII, too long) like any unknown one", async () => {
    for (const name of ["alice\u0000", "\u0000", "alïce", "a".repeat(255), "alice\u200b"]) {
      expect(await ask(name)).toMatchObject({ ok: true, linkLifetimeMinutes: 30 });
    }
    expect(await resetRows()).toEqual([]);
  });

  it("refuses an empty name, and everything in read-only mode", async () => {
    expect(await ask("   ")).toMatchObject({ ok: false, reason: "missing_account_name", field: "emailOrUsername" });
    expect(await ask("alice", requester, { readOnly: true })).toMatchObject({ ok: false, reason: "read_only" });
    expect(await resetRows()).toEqual([]);
  });

  it("counts per name as typed (any case) and refuses the fourth in the window, for known and unknown names alike", async () => {
    for (const name of ["alice", "ALICE", "Alice"]) expect(await ask(name)).toMatchObject({ ok: true });
    const known = await ask("alice");
    for (let n = 0; n < 3; n++) await ask("ghost", { ...requester, ip: `203.0.113.${n}` });
    const unknown = await ask("ghost", { ...requester, ip: "203.0.113.99" });
    for (const refused of [known, unknown]) {
      expect(refused).toMatchObject({ ok: false, reason: "too_many_reset_requests" });
      expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(1700);
      expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(1800);
    }
    // The same refusal; the waits differ only by when each name's window began (a second at most here).
    const withoutWait = (refused: typeof known) => ({ ...refused, retryAfterSeconds: null });
    expect(withoutWait(known)).toEqual(withoutWait(unknown));
    // Three e-mails reached the inbox, no more, and the refusals wrote nothing.
    expect(await outbox()).toHaveLength(3);
  });

  it("counts per address over all names: an inbox cannot be flooded by spreading names", async () => {
    for (let n = 0; n < 10; n++) expect(await ask(`name${n}`)).toMatchObject({ ok: true });
    expect(await ask("alice")).toMatchObject({ ok: false, reason: "too_many_reset_requests" });
    expect(await ask("alice", { ...requester, ip: "198.51.100.8" })).toMatchObject({ ok: true });
  });
});

describe("the link", () => {
  it("is usable until 30 minutes have passed, then expired", async () => {
    await ask("alice");
    const token = await newestToken();
    expect(await checkResetLink(deps, token)).toEqual({
      ok: true,
      account: { id: fixture.userId, username: "alice", email: "alice@example.com" },
      expiresAt: clock + resetLinkLifetimeMs,
    });
    clock += resetLinkLifetimeMs - 1;
    expect(await checkResetLink(deps, token)).toMatchObject({ ok: true });
    clock += 1;
    expect(await checkResetLink(deps, token)).toMatchObject({ ok: false, reason: "reset_link_expired" });
    expect(await reset(token)).toMatchObject({ ok: false, reason: "reset_link_expired" });
    expect(await cheapHasher.verify((await storedUser()).passwordHash, current)).toBe(true);
  });

  it("is not valid when made up, malformed or cut short", async () => {
    await ask("alice");
    const token = await newestToken();
    for (const other of ["", "x", token.slice(0, 42), `${token}A`, "A".repeat(43), "../../etc/passwd", token.replace(/./, "%")]) {
      expect(await checkResetLink(deps, other)).toMatchObject({ ok: false, reason: "reset_link_invalid" });
    }
  });

  it("dies when the password is changed some other way", async () => {
    await ask("alice");
    const token = await newestToken();
    const changed = await changePassword(deps, {
      authority: { by: "owner", session: { id: "phone", userId: fixture.userId, credentialVersion: 0 }, currentPassword: current, requester },
      newPassword: "changed the usual way",
      confirmNewPassword: "changed the usual way",
    });
    expect(changed).toMatchObject({ ok: true });
    expect(await checkResetLink(deps, token)).toMatchObject({ ok: false, reason: "reset_link_used" });
    expect(await reset(token)).toMatchObject({ ok: false, reason: "reset_link_used" });
    expect(await cheapHasher.verify((await storedUser()).passwordHash, "changed the usual way")).toBe(true);
  });

  it("leaves earlier links working until one of them is used; then all are dead", async () => {
    await ask("alice");
    const first = await newestToken();
    clock += 60_000;
    await ask("alice");
    const second = await newestToken();
    expect(second).not.toBe(first);
    expect(await checkResetLink(deps, first)).toMatchObject({ ok: true });
    expect(await reset(first)).toMatchObject({ ok: true });
    expect(await checkResetLink(deps, second)).toMatchObject({ ok: false, reason: "reset_link_used" });
  });
});

describe("resetting the password", () => {
  it("swaps the hash, moves the credential version on, ends every session, marks the link used and sends a notice", async () => {
    await ask("alice");
    const token = await newestToken();
    clock += 5 * 60_000;
    const result = await reset(token);
    expect(result).toMatchObject({ ok: true, account: { username: "alice" }, resetAt: clock, sessionsEnded: 2 });
    if (!result.ok) throw new Error("unreachable");
    await result.noticeSent;
    const user = await storedUser();
    expect(await cheapHasher.verify(user.passwordHash, fresh)).toBe(true);
    expect(await cheapHasher.verify(user.passwordHash, current)).toBe(false);
    expect(user).toMatchObject({ credentialVersion: 1, passwordChangedAt: clock });
    expect(await fixture.sessionCount()).toBe(0);
    expect((await resetRows())[0]!.used_at).toBe(clock);
    const notice = (await outbox()).at(-1)!;
    expect(notice).toMatchObject({ subject: "Your password was reset", recipient: "alice@example.com" });
    expect(notice.body).toContain("Every device signed in to your account has been signed out.");
    expect(notice.body).toContain(`reset your\npassword again at ${testOrigin}/forgot-password`);
    expect(notice.body).not.toContain(fresh);
    const events = await fixture.sql.values<string>("SELECT type FROM auth_event ORDER BY id");
    expect(events).toEqual(["password_reset_requested", "password_reset_succeeded"]);
  });

  it("works once: the same link again is refused and changes nothing", async () => {
    await ask("alice");
    const token = await newestToken();
    expect(await reset(token)).toMatchObject({ ok: true });
    expect(await reset(token, "a third password here")).toMatchObject({
      ok: false,
      reason: "reset_link_used",
      message: "This password reset link has already been used, or your password has changed since it was sent. Ask for a new one if you still need it.",
    });
    expect(await cheapHasher.verify((await storedUser()).passwordHash, fresh)).toBe(true);
  });

  it("of two resets through one link at once, exactly one wins", async () => {
    await ask("alice");
    const token = await newestToken();
    const results = await Promise.all([reset(token, "first racer password"), reset(token, "second racer password")]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok)).toMatchObject([{ reason: "reset_link_used" }]);
    expect((await storedUser()).credentialVersion).toBe(1);
  });

  it("removes the link from the stored e-mail once it is dead", async () => {
    await ask("alice");
    const token = await newestToken();
    expect(JSON.stringify(await outbox())).toContain(token);
    await reset(token);
    const bodies = JSON.stringify(await fixture.sql.all("SELECT body, redacted_body FROM outbox"));
    expect(bodies).not.toContain(token);
    expect(bodies).toContain("This link was removed from our records once it was no longer needed.");
  });

  it("applies the change's new-password rules, each on its field, and changes nothing", async () => {
    await ask("alice");
    const token = await newestToken();
    const cases: [string, string | undefined, object][] = [
      ["", "", { reason: "missing_fields", field: "newPassword" }],
      [fresh, "", { reason: "missing_fields", field: "confirmNewPassword" }],
      ["short", "short", { reason: "too_short", field: "newPassword", message: "Password must be at least 12 characters long." }],
      ["a".repeat(129), "a".repeat(129), { reason: "too_long", field: "newPassword" }],
      [fresh, fresh.toUpperCase(), { reason: "mismatch", field: "confirmNewPassword", message: "Passwords do not match." }],
      ["password1234", "password1234", { reason: "common_password", field: "newPassword" }],
      ["alice@example.com", "alice@example.com", { reason: "same_as_email", field: "newPassword" }],
      ["\u0000control chars!", "\u0000control chars!", { reason: "invalid_characters", field: "newPassword" }],
    ];
    for (const [newPassword, confirmation, expected] of cases) {
      expect(await reset(token, newPassword, confirmation)).toMatchObject({ ok: false, ...expected });
    }
    expect(await checkResetLink(deps, token)).toMatchObject({ ok: true });
    expect((await storedUser()).credentialVersion).toBe(0);
    expect(await fixture.sessionCount()).toBe(2);
  });

  it("does not say whether the new password equals the current one (no oracle for whoever holds a link)", async () => {
    await ask("alice");
    expect(await reset(await newestToken(), current)).toMatchObject({ ok: true });
  });

  it("checks the link before the password, so a dead link is what the person hears", async () => {
    expect(await reset("A".repeat(43), "short", "other")).toMatchObject({ ok: false, reason: "reset_link_invalid" });
    // A made-up link concerns no account: it leaves no row in the audit trail.
    expect(await fixture.sql.value("SELECT count(*) FROM auth_event")).toBe(0);
  });

  it("is refused in read-only mode", async () => {
    await ask("alice");
    const token = await newestToken();
    const result = await resetPassword({ ...deps, rules: { ...deps.rules, readOnly: true } }, { token, newPassword: fresh, requester });
    expect(result).toMatchObject({ ok: false, reason: "read_only" });
  });
});

describe("the store's swap guards the link itself", () => {
  it("rolls the whole swap back when the link expired after the flow looked at it", async () => {
    await ask("alice");
    const token = await newestToken();
    const user = await storedUser();
    const swap = await fixture.store.users.setPassword({
      userId: user.id,
      expected: { passwordHash: user.passwordHash, credentialVersion: user.credentialVersion },
      passwordHash: await cheapHasher.hash(fresh),
      changedAt: clock + resetLinkLifetimeMs,
      endSessions: "all",
      ownSessionId: null,
      passwordResetId: resetIdOf(token),
    });
    expect(swap).toEqual({ updated: false });
    expect(await storedUser()).toEqual(user);
    expect(await fixture.sessionCount()).toBe(2);
    expect((await resetRows())[0]!.used_at).toBeNull();
  });
});

describe("outbox secrets", () => {
  it("are removed when the message is sent, and when they expire", async () => {
    await ask("alice");
    const sent = await newestToken();
    await ask("alice");
    const expiring = await newestToken();
    const [first] = await outbox();
    await fixture.store.outbox.markSent(first!.id, clock);
    let bodies = JSON.stringify(await fixture.sql.all("SELECT body, redacted_body FROM outbox"));
    expect(bodies).not.toContain(sent);
    expect(bodies).toContain(expiring);
    await fixture.store.passwordResets.sweep(clock + resetLinkLifetimeMs);
    bodies = JSON.stringify(await fixture.sql.all("SELECT body, redacted_body FROM outbox"));
    expect(bodies).not.toContain(expiring);
    // Expired links are kept a day, so that a late click hears "expired" rather than "not valid".
    expect(await resetRows()).toHaveLength(2);
    await fixture.store.passwordResets.sweep(clock + resetLinkLifetimeMs + 24 * 3600_000);
    expect(await resetRows()).toHaveLength(0);
  });
});
