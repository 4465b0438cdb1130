import type { SessionsToEnd, UserRecord } from "../../db/store.js";
import { knownDeviceFor, type Account, type Requester } from "./account.js";
import type { AuthDependencies, AuthRules } from "./dependencies.js";
import { busy, fail, failureOfFields, type Failure } from "./failures.js";
import { checkPasswordContent, checkPasswordLength, type PolicyFailureReason } from "./password-policy.js";
import { exceedsByteCap } from "./password-text.js";
import type { NewSession } from "./sessions.js";

/**
 * Changing a password, the hub of the app: every door (the page through tRPC, the JSON POST, typed
 * clients, `npm run passwd`) calls this one function and only translates what it returns.
 *
 * Rules → verify → hash → atomic swap → audit → notice → what becomes of each device. The seed's
 * checks keep its order (read only, missing field, length, mismatch, wrong password); ours follow
 * the mismatch check. Every field is checked and every wrong one reported (a form shows them all
 * at once), the first in that order being the request's failure, the seed's answer. Everything
 * that costs nothing comes before the rate limiter and the hash.
 */

/** Who vouches for the change: the owner with their current password, or an administrator. */
export type ChangeAuthority =
  | {
      by: "owner";
      /** The session the request was authenticated with, as validated at the start of the request. */
      session: { id: string; userId: string; credentialVersion: number };
      currentPassword: string;
      requester: Requester;
    }
  | { by: "administrator"; username: string };

export type ChangePasswordInput = {
  authority: ChangeAuthority;
  newPassword: string;
  /** Forms always send it (an empty one is "missing"); API clients may leave it out. */
  confirmNewPassword?: string;
  /**
   * The owner's choice for the other devices (GitHub's "Sign out of all other devices"). Heeded
   * only when the rules offer the choice; left out, or not offered, `invalidateSessions` decides.
   */
  signOutOtherDevices?: boolean;
};

export type PasswordChanged = {
  ok: true;
  account: Account;
  changedAt: number;
  /**
   * The device that asked: signed out (sign in again), kept (its session carries over), given a
   * new session (stay signed in), or none (the command line has no session).
   */
  thisDevice: "signed-out" | "kept" | "new-session" | "none";
  /** With "new-session": what to hand to the device in place of its old token. */
  newSession: NewSession | null;
  /** Whether the account's other sessions ended or carry over to the new password. */
  otherDevices: "signed-out" | "kept";
  otherSessionsEnded: number;
  otherSessionsKept: number;
  /** Sessions deleted in all, this device's included. */
  revokedSessions: number;
  /** Settles when the notice has been delivered or its delivery has failed (never rejects). */
  noticeSent: Promise<void>;
};

export type ChangePasswordFailureReason =
  | "read_only"
  | "missing_fields"
  | PolicyFailureReason
  | "mismatch"
  | "rate_limited"
  | "incorrect_password"
  | "conflict"
  | "unknown_user"
  | "no_such_user"
  | "busy";

export type ChangePasswordResult = PasswordChanged | Failure<ChangePasswordFailureReason>;

export async function changePassword(deps: AuthDependencies, input: ChangePasswordInput): Promise<ChangePasswordResult> {
  const result = await attemptChange(deps, input);
  const { authority } = input;
  const requester = authority.by === "owner" ? authority.requester : null;
  if (!result.ok) {
    // A wrong current password is what the audit trail watches for (guessing), so it is the
    // recorded reason even when the request's first failure was about the new password.
    const guessedWrong = result.fieldFailures?.some((failure) => failure.reason === "incorrect_password");
    await deps.events.record({
      type: result.reason === "rate_limited" ? "rate_limited" : "password_change_failed",
      reason: guessedWrong ? "incorrect_password" : result.reason,
      userId: authority.by === "owner" ? authority.session.userId : null,
      requester,
    });
    return result;
  }
  await deps.events.record({
    type: "password_change_succeeded",
    reason: authority.by === "administrator" ? "command_line" : null,
    userId: result.account.id,
    requester,
  });
  // The notice was written with the change (a transactional outbox): now it may be sent.
  const { noticeId, ...changed } = result;
  const { delivered } = deps.notifier.queued(noticeId, result.account.id);
  return { ...changed, noticeSent: delivered };
}

async function attemptChange(
  deps: AuthDependencies,
  input: ChangePasswordInput,
): Promise<(Omit<PasswordChanged, "noticeSent"> & { noticeId: number }) | Failure<ChangePasswordFailureReason>> {
  const { rules } = deps;
  const { authority, newPassword, confirmNewPassword } = input;
  if (rules.readOnly) return fail("read_only");

  const currentPassword = authority.by === "owner" ? authority.currentPassword : undefined;

  // Every field is checked and every problem kept, in the seed's order, so a form can show them
  // all at once while the first stays the request's answer for the doors that give one message.
  const found: Failure<ChangePasswordFailureReason>[] = [];
  if (currentPassword === "") found.push(fail("missing_fields", { field: "currentPassword" }));
  if (newPassword === "") found.push(fail("missing_fields", { field: "newPassword" }));
  if (confirmNewPassword === "") found.push(fail("missing_fields", { field: "confirmNewPassword" }));
  const length = newPassword === "" ? null : checkPasswordLength(newPassword, rules);
  if (length) found.push({ ...length, field: "newPassword" });
  // Exact comparison: case and whitespace matter. A confirmation of nothing is not a mismatch.
  if (newPassword !== "" && confirmNewPassword && confirmNewPassword !== newPassword) {
    found.push(fail("mismatch", { field: "confirmNewPassword" }));
  }

  const user =
    authority.by === "owner"
      ? await deps.users.findById(authority.session.userId)
      : await deps.users.findByUsername(authority.username);
  if (!user) {
    const gone = authority.by === "owner" ? fail("unknown_user") : fail("no_such_user", { username: authority.username });
    return failureOfFields(found) ?? gone;
  }

  if (newPassword !== "" && !length) {
    const content = checkPasswordContent(newPassword, { limits: rules, username: user.username, email: user.email, currentPassword });
    if (content) found.push({ ...content, field: "newPassword" });
  }

  if (authority.by === "owner") {
    // The password changed after this request was authenticated: say so rather than "incorrect".
    if (user.credentialVersion !== authority.session.credentialVersion) return failureOfFields(found) ?? fail("conflict");
    // The current password is checked even when the new one is already refused, so that a person
    // learns both at once instead of one per attempt. It costs what the next attempt would have
    // cost anyway (one hash and, if wrong, one point on the lockout counters, which is what a
    // wrong password should cost whatever else the request holds), and it is counted before it
    // is checked like every other check. Past the limit, or with the line of hashes full, the
    // field failures are the answer: the password was not checked, and they come first.
    if (currentPassword !== "") {
      const refusal = await verifyCurrentPassword(deps, user, authority);
      if (refusal?.reason === "incorrect_password") found.push(refusal);
      else if (refusal) return failureOfFields(found) ?? refusal;
    }
    const failure = failureOfFields(found);
    if (failure) return failure;
  } else {
    const failure = failureOfFields(found);
    if (failure) return failure;
    if (await deps.passwords.verify(user.passwordHash, newPassword)) return fail("same_as_current", { field: "newPassword" });
  }

  const passwordHash = await deps.passwords.hash(newPassword);
  const plan = sessionPlan(rules, authority, input.signOutOtherDevices);
  const requester = authority.by === "owner" ? authority.requester : null;
  // Only the owner's own device is ever given a new session; it records where it was started.
  const fresh = plan.newSession && requester ? deps.sessions.issue(requester) : null;
  const changedAt = deps.now();
  const account = { id: user.id, username: user.username, email: user.email };
  const otherDevices = plan.endSessions === "all" ? "signed-out" : "kept";
  const notice = deps.notifier.passwordChanged({ user: account, at: changedAt, origin: requester, otherDevices });
  const swap = await deps.users.setPassword({
    userId: user.id,
    expected: { passwordHash: user.passwordHash, credentialVersion: user.credentialVersion },
    passwordHash,
    changedAt,
    endSessions: plan.endSessions,
    ownSessionId: authority.by === "owner" ? authority.session.id : null,
    newSession: fresh ?? undefined,
    notice,
  });
  // Another change won the race between our read and our write.
  if (!swap.updated) return fail("conflict");
  return {
    ok: true,
    account,
    changedAt,
    thisDevice: plan.thisDevice,
    newSession: fresh ? { token: fresh.token, expiresAt: fresh.expiresAt } : null,
    otherDevices,
    otherSessionsEnded: swap.otherSessionsEnded,
    otherSessionsKept: swap.otherSessionsKept,
    revokedSessions: swap.otherSessionsEnded + (swap.ownSessionEnded ? 1 : 0),
    noticeId: swap.noticeId!,
  };
}

/**
 * The rate limiter first (even the right password is refused while blocked), then the hash. Counted
 * like a sign-in (by this device, or by account, address and day) and per session as well.
 */
async function verifyCurrentPassword(
  deps: AuthDependencies,
  user: UserRecord,
  authority: Extract<ChangeAuthority, { by: "owner" }>,
): Promise<Failure<"incorrect_password" | "rate_limited" | "busy"> | null> {
  const { currentPassword, requester, session } = authority;
  // No stored password can be this long: wrong, without spending a hash on it.
  if (exceedsByteCap(currentPassword, deps.rules)) return fail("incorrect_password", { field: "currentPassword" });
  if (deps.passwords.overloaded()) return busy();
  const subject = {
    username: user.username,
    ip: requester.ip,
    knownDevice: knownDeviceFor(requester, user.id),
    sessionId: session.id,
  };
  const check = await deps.throttle.checkPassword(subject, () => deps.passwords.verify(user.passwordHash, currentPassword));
  if (!check.ok) return fail("rate_limited", { retryAfterSeconds: check.retryAfterSeconds });
  if (!check.correct) return fail("incorrect_password", { field: "currentPassword" });
  return null;
}

/**
 * What the change does to sessions, from the two options and, where the rules offer it, the owner's
 * choice. Signing out the others ends every session (and "stay signed in" starts a fresh one for
 * this device in the same transaction); keeping them leaves theirs, and "sign in again" ends only
 * this device's.
 */
function sessionPlan(
  rules: AuthRules,
  authority: ChangeAuthority,
  signOutOtherDevices: boolean | undefined,
): { endSessions: SessionsToEnd; newSession: boolean; thisDevice: PasswordChanged["thisDevice"] } {
  if (authority.by === "administrator") {
    return { endSessions: rules.invalidateSessions ? "all" : "none", newSession: false, thisDevice: "none" };
  }
  const stay = rules.afterPasswordChange === "stay-signed-in";
  const endOthers = rules.signOutOtherDevicesChoice && signOutOtherDevices !== undefined ? signOutOtherDevices : rules.invalidateSessions;
  if (endOthers) {
    return stay
      ? { endSessions: "all", newSession: true, thisDevice: "new-session" }
      : { endSessions: "all", newSession: false, thisDevice: "signed-out" };
  }
  return stay
    ? { endSessions: "none", newSession: false, thisDevice: "kept" }
    : { endSessions: "own", newSession: false, thisDevice: "signed-out" };
}
