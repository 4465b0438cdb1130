import type { UserQueries } from "../../db/users.js";
import type { PasswordHasher } from "./passwords.js";
import { checkNewPassword, type PasswordLimits } from "./password-rules.js";

/** The seed's messages, word for word (piccolo_api change_password), and the order they are checked in. */
export const changePasswordMessages = {
  readOnly: "Running in read only mode",
  missingFields: "Form is invalid. Missing one or more fields.",
  mismatch: "Passwords do not match.",
  incorrectPassword: "Incorrect password.",
};

export type ChangePasswordInput = {
  userId: string;
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
    | "too_short"
    | "too_long"
    | "mismatch"
    | "incorrect_password"
    | "unknown_user";
  message: string;
  field?: ChangePasswordField;
};

export type ChangePasswordSuccess = { ok: true; revokedSessions: number };

export type ChangePasswordDeps = {
  users: Pick<UserQueries, "findById" | "setPassword">;
  passwords: Pick<PasswordHasher, "hash" | "verify">;
  settings: PasswordLimits & { readOnly: boolean; invalidateSessions: boolean };
  now?: () => number;
};

/**
 * Every change-password rule lives here and nowhere else. Checks run in the seed's order and stop
 * at the first failure; the cheap ones come first so a bad request never costs a hash.
 */
export async function changePassword(
  deps: ChangePasswordDeps,
  input: ChangePasswordInput,
): Promise<ChangePasswordSuccess | ChangePasswordFailure> {
  const { settings } = deps;
  if (settings.readOnly) return fail("read_only", changePasswordMessages.readOnly);

  const missing = (["currentPassword", "newPassword", "confirmNewPassword"] as const).find(
    (field) => input[field] === "" || (field !== "confirmNewPassword" && input[field] == null),
  );
  if (missing) return fail("missing_fields", changePasswordMessages.missingFields, missing);

  const lengthFailure = checkNewPassword(input.newPassword, settings);
  if (lengthFailure) return fail(lengthFailure.reason, lengthFailure.message, "newPassword");

  // Exact comparison: case and whitespace matter.
  if (input.confirmNewPassword !== undefined && input.confirmNewPassword !== input.newPassword) {
    return fail("mismatch", changePasswordMessages.mismatch, "confirmNewPassword");
  }

  const user = await deps.users.findById(input.userId);
  if (!user) return fail("unknown_user", "Your account no longer exists.");
  if (!(await deps.passwords.verify(user.passwordHash, input.currentPassword))) {
    return fail("incorrect_password", changePasswordMessages.incorrectPassword, "currentPassword");
  }

  const { updated, revokedSessions } = await deps.users.setPassword({
    userId: user.id,
    passwordHash: await deps.passwords.hash(input.newPassword),
    changedAt: (deps.now ?? Date.now)(),
    revokeSessions: settings.invalidateSessions,
  });
  if (!updated) return fail("unknown_user", "Your account no longer exists.");
  return { ok: true, revokedSessions };
}

function fail(
  reason: ChangePasswordFailure["reason"],
  message: string,
  field?: ChangePasswordField,
): ChangePasswordFailure {
  return { ok: false, reason, message, field };
}
