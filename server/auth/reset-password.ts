import type { UserQueries } from "../../db/users.js";
import type { PasswordHasher } from "./passwords.js";
import { checkNewPassword, policyMessages, type PasswordLimits, type PolicyFailureReason } from "./password-policy.js";

/**
 * Setting a password without knowing the current one: the administrator's reset, like the seed's
 * `piccolo user change_password`. The same policy and session revocation as a change.
 */
export type ResetPasswordFailure = {
  ok: false;
  reason: "unknown_user" | PolicyFailureReason | "conflict";
  message: string;
};

export type ResetPasswordDeps = {
  users: Pick<UserQueries, "findByUsername" | "setPassword">;
  passwords: Pick<PasswordHasher, "hash" | "verify">;
  settings: PasswordLimits & { invalidateSessions: boolean };
  now?: () => number;
};

export async function resetPassword(
  deps: ResetPasswordDeps,
  input: { username: string; newPassword: string },
): Promise<
  | { ok: true; user: { id: string; username: string; email: string }; revokedSessions: number; changedAt: number }
  | ResetPasswordFailure
> {
  const user = await deps.users.findByUsername(input.username);
  if (!user) return { ok: false, reason: "unknown_user", message: `There is no user called "${input.username}".` };
  const refusal = checkNewPassword(input.newPassword, {
    limits: deps.settings,
    username: user.username,
    email: user.email,
  });
  if (refusal) return { ok: false, ...refusal };
  if (await deps.passwords.verify(user.passwordHash, input.newPassword)) {
    return { ok: false, reason: "same_as_current", message: policyMessages.sameAsCurrent };
  }
  const passwordHash = await deps.passwords.hash(input.newPassword);
  const changedAt = (deps.now ?? Date.now)();
  const { updated, revokedSessions } = await deps.users.setPassword({
    userId: user.id,
    expectedHash: user.passwordHash,
    passwordHash,
    changedAt,
    revokeSessions: deps.settings.invalidateSessions,
  });
  if (!updated) return { ok: false, reason: "conflict", message: "The password was changed meanwhile. Try again." };
  return { ok: true, user: { id: user.id, username: user.username, email: user.email }, revokedSessions, changedAt };
}
