import { randomUUID } from "node:crypto";
import type { UserQueries } from "../../db/users.js";
import type { PasswordHasher } from "./passwords.js";
import { checkNewPassword, type PasswordLimits, type PolicyFailureReason } from "./password-policy.js";

export type RegisterInput = { username: string; email: string; password: string; confirmPassword?: string };
export type RegisterField = "username" | "email" | "password" | "confirmPassword";

export type RegisterFailure = {
  ok: false;
  reason: "missing_fields" | "invalid_username" | "invalid_email" | PolicyFailureReason | "mismatch" | "taken";
  message: string;
  field?: RegisterField;
};

export const registerMessages = {
  missingFields: "Form is invalid. Missing one or more fields.",
  invalidUsername: "Usernames are 3 to 32 letters, digits, dots, dashes or underscores.",
  invalidEmail: "Enter a valid email address.",
  mismatch: "Passwords do not match.",
  usernameTaken: "That username is already taken.",
  emailTaken: "That email address is already registered.",
};

// ASCII only, so that SQLite's NOCASE makes usernames unique case-insensitively and no two
// look-alike Unicode names can exist.
const usernamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
// Deliberately loose (RFC 5322 is not worth matching); ASCII for the same NOCASE reason.
const emailPattern = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export type RegisterDeps = {
  users: Pick<UserQueries, "insert">;
  passwords: Pick<PasswordHasher, "hash">;
  settings: PasswordLimits;
  now?: () => number;
};

export async function register(
  deps: RegisterDeps,
  input: RegisterInput,
): Promise<{ ok: true; userId: string } | RegisterFailure> {
  const missing = (["username", "email", "password", "confirmPassword"] as const).find(
    (field) => input[field] === "" || (field !== "confirmPassword" && input[field] == null),
  );
  if (missing) return fail("missing_fields", registerMessages.missingFields, missing);
  if (!usernamePattern.test(input.username)) {
    return fail("invalid_username", registerMessages.invalidUsername, "username");
  }
  if (input.email.length > 254 || !emailPattern.test(input.email)) {
    return fail("invalid_email", registerMessages.invalidEmail, "email");
  }
  const policyFailure = checkNewPassword(input.password, {
    limits: deps.settings,
    username: input.username,
    email: input.email,
  });
  if (policyFailure) return fail(policyFailure.reason, policyFailure.message, "password");
  if (input.confirmPassword !== undefined && input.confirmPassword !== input.password) {
    return fail("mismatch", registerMessages.mismatch, "confirmPassword");
  }

  const userId = randomUUID();
  const inserted = await deps.users.insert({
    id: userId,
    username: input.username,
    email: input.email,
    passwordHash: await deps.passwords.hash(input.password),
    createdAt: (deps.now ?? Date.now)(),
  });
  if (!inserted.ok) {
    return inserted.taken === "username"
      ? fail("taken", registerMessages.usernameTaken, "username")
      : fail("taken", registerMessages.emailTaken, "email");
  }
  return { ok: true, userId };
}

function fail(reason: RegisterFailure["reason"], message: string, field?: RegisterField): RegisterFailure {
  return { ok: false, reason, message, field };
}
