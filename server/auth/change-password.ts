import type { UserQueries } from "../../db/users.js";
import type { PasswordHasher } from "./passwords.js";
import type { SessionService } from "./sessions.js";
import { checkNewPassword, exceedsByteCap, type PasswordLimits, type PolicyFailureReason } from "./password-policy.js";
import type { Throttle } from "./throttle.js";

/** The seed's messages, word for word (piccolo_api change_password), then ours. */
export const changePasswordMessages = {
  readOnly: "Running in read only mode",
  missingFields: "Form is invalid. Missing one or more fields.",
  mismatch: "Passwords do not match.",
  incorrectPassword: "Incorrect password.",
  conflict: "Your password was just changed by another request. Sign in again with the new password.",
  unknownUser: "Your account no longer exists.",
};

export type ChangePasswordInput = {
  user: { id: string; username: string; email: string };
  /** The session making the change, if any (a bearer or cookie session): it is not an "other device". */
  sessionId?: string;
  /** Where the request came from, for the per-IP limit. */
  ip: string;
  currentPassword: string;
  newPassword: string;
  /** Forms always send it (an empty one is "missing"); API clients may leave it out. */
  confirmNewPassword?: string;
};

export type ChangePasswordField = "currentPassword" | "newPassword" | "confirmNewPassword";

export type ChangePasswordFailure = {
  ok: false;
  reason:
    | "read_only"
    | "missing_fields"
    | PolicyFailureReason
    | "mismatch"
    | "rate_limited"
    | "incorrect_password"
    | "conflict"
    | "unknown_user";
  message: string;
  field?: ChangePasswordField;
  retryAfterSeconds?: number;
};

export type ChangePasswordSuccess = {
  ok: true;
  changedAt: number;
  /** Every session deleted, this one included. */
  revokedSessions: number;
  /** Sessions of other devices that were signed out. */
  otherSessionsEnded: number;
  /** In `stay-signed-in` mode: the fresh session that replaces this one. */
  newSession: { token: string; cookie: string; expiresAt: Date } | null;
};

export type AfterPasswordChange = "sign-in-again" | "stay-signed-in";

export type ChangePasswordDeps = {
  users: Pick<UserQueries, "findById" | "setPassword">;
  passwords: Pick<PasswordHasher, "hash" | "verify">;
  throttle: Throttle;
  sessions: Pick<SessionService, "issue">;
  settings: PasswordLimits & { readOnly: boolean; invalidateSessions: boolean; afterPasswordChange: AfterPasswordChange };
  now?: () => number;
};

/**
 * Every change-password rule lives here and nowhere else. The seed's checks keep its order (read
 * only, missing field, length, mismatch, wrong password) and stop at the first failure; ours slot
 * in between without changing what the seed's cases return. Everything that costs nothing comes
 * before the rate limiter and the hash, so malformed requests never occupy either.
 */
export async function changePassword(
  deps: ChangePasswordDeps,
  input: ChangePasswordInput,
): Promise<ChangePasswordSuccess | ChangePasswordFailure> {
  const { settings } = deps;
  const now = deps.now ?? Date.now;
  const startedAt = now();
  if (settings.readOnly) return fail("read_only", changePasswordMessages.readOnly);

  const missing = (["currentPassword", "newPassword", "confirmNewPassword"] as const).find(
    (field) => input[field] === "" || (field !== "confirmNewPassword" && input[field] == null),
  );
  if (missing) return fail("missing_fields", changePasswordMessages.missingFields, missing);

  const policyFailure = checkNewPassword(input.newPassword, {
    limits: settings,
    username: input.user.username,
    email: input.user.email,
    currentPassword: input.currentPassword,
  });
  if (policyFailure) return fail(policyFailure.reason, policyFailure.message, "newPassword");

  // Exact comparison: case and whitespace matter.
  if (input.confirmNewPassword !== undefined && input.confirmNewPassword !== input.newPassword) {
    return fail("mismatch", changePasswordMessages.mismatch, "confirmNewPassword");
  }

  // No stored password can be this long: wrong, without spending a hash on it.
  if (exceedsByteCap(input.currentPassword, settings)) {
    return fail("incorrect_password", changePasswordMessages.incorrectPassword, "currentPassword");
  }

  const verdict = await deps.throttle.reserve(input.user.username, input.ip);
  if (!verdict.ok) {
    return { ...fail("rate_limited", verdict.message), retryAfterSeconds: verdict.retryAfterSeconds };
  }

  const user = await deps.users.findById(input.user.id);
  if (!user) return fail("unknown_user", changePasswordMessages.unknownUser);
  if (!(await deps.passwords.verify(user.passwordHash, input.currentPassword))) {
    // The password changed while this request was in flight: say so rather than "incorrect".
    if (user.passwordChangedAt !== null && user.passwordChangedAt >= startedAt) {
      return fail("conflict", changePasswordMessages.conflict);
    }
    return fail("incorrect_password", changePasswordMessages.incorrectPassword, "currentPassword");
  }
  await deps.throttle.succeeded(input.user.username, input.ip);

  const passwordHash = await deps.passwords.hash(input.newPassword);
  // Taken after hashing, right before the write: any login that read the old hash checked it
  // before this moment, so its session counts as older than the change (see sessions.ts).
  const changedAt = now();
  // Staying signed in means a fresh session, started in the same transaction that ends the others;
  // it counts as newer than the change.
  const staySignedIn = settings.afterPasswordChange === "stay-signed-in" && settings.invalidateSessions;
  const fresh = staySignedIn ? deps.sessions.issue() : null;
  const { updated, revokedSessions } = await deps.users.setPassword({
    userId: user.id,
    expectedHash: user.passwordHash,
    passwordHash,
    changedAt,
    revokeSessions: settings.invalidateSessions,
    newSession: fresh ? { id: fresh.id, expiresAt: fresh.expiresAt, createdAt: changedAt + 1 } : undefined,
  });
  // Another change won the race between our verify and our write.
  if (!updated) return fail("conflict", changePasswordMessages.conflict);
  const ownSessionEnded = settings.invalidateSessions && input.sessionId !== undefined ? 1 : 0;
  return {
    ok: true,
    changedAt,
    revokedSessions,
    otherSessionsEnded: Math.max(0, revokedSessions - ownSessionEnded),
    newSession: fresh ? { token: fresh.token, cookie: fresh.cookie, expiresAt: fresh.expiresAt } : null,
  };
}

function fail(
  reason: ChangePasswordFailure["reason"],
  message: string,
  field?: ChangePasswordField,
): ChangePasswordFailure {
  return { ok: false, reason, message, field };
}
