import type { UserQueries } from "../../db/users.js";
import type { PasswordHasher } from "./passwords.js";
import { exceedsByteCap, type PasswordLimits } from "./password-policy.js";
import type { Throttle } from "./throttle.js";

export type LoginInput = { username: string; password: string; ip: string };

export type LoginFailure = {
  ok: false;
  reason: "missing_fields" | "invalid_credentials" | "rate_limited";
  message: string;
  userId?: string;
  retryAfterSeconds?: number;
};

export const loginMessages = {
  missingFields: "Enter your username and password.",
  // One message for both cases, so the form does not tell which usernames exist.
  invalidCredentials: "Incorrect username or password.",
};

export type LoginDeps = {
  users: Pick<UserQueries, "findByUsername">;
  passwords: Pick<PasswordHasher, "verify" | "verifyNothing">;
  throttle: Throttle;
  settings: Pick<PasswordLimits, "maxPasswordLength">;
  now?: () => number;
};

/**
 * Checks a username and password; starting the session is the caller's job. `checkedAt` is taken
 * before the hash is verified: a session started from it dies if the password changed meanwhile.
 */
export async function checkCredentials(
  deps: LoginDeps,
  input: LoginInput,
): Promise<{ ok: true; user: { id: string; username: string; email: string }; checkedAt: number } | LoginFailure> {
  if (!input.username || !input.password) {
    return { ok: false, reason: "missing_fields", message: loginMessages.missingFields };
  }
  if (exceedsByteCap(input.password, deps.settings) || input.username.length > 64) {
    return { ok: false, reason: "invalid_credentials", message: loginMessages.invalidCredentials };
  }
  // Counted per username, existing or not, so the limiter does not reveal which accounts exist.
  const verdict = await deps.throttle.reserve(input.username, input.ip);
  if (!verdict.ok) {
    return { ok: false, reason: "rate_limited", message: verdict.message, retryAfterSeconds: verdict.retryAfterSeconds };
  }
  const checkedAt = (deps.now ?? Date.now)();
  const user = await deps.users.findByUsername(input.username);
  if (!user) {
    // Same work as a wrong password, so timing does not reveal which usernames exist.
    await deps.passwords.verifyNothing(input.password);
    return { ok: false, reason: "invalid_credentials", message: loginMessages.invalidCredentials };
  }
  if (!(await deps.passwords.verify(user.passwordHash, input.password))) {
    return { ok: false, reason: "invalid_credentials", message: loginMessages.invalidCredentials, userId: user.id };
  }
  await deps.throttle.succeeded(input.username, input.ip);
  return { ok: true, user: { id: user.id, username: user.username, email: user.email }, checkedAt };
}
