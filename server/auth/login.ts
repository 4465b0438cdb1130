import type { UserQueries } from "../../db/users.js";
import type { PasswordHasher } from "./passwords.js";

export type LoginInput = { username: string; password: string };

export type LoginFailure = { ok: false; reason: "missing_fields" | "invalid_credentials"; message: string };

export const loginMessages = {
  missingFields: "Enter your username and password.",
  // One message for both cases, so the form does not tell which usernames exist.
  invalidCredentials: "Incorrect username or password.",
};

export type LoginDeps = {
  users: Pick<UserQueries, "findByUsername">;
  passwords: Pick<PasswordHasher, "verify" | "verifyNothing">;
};

/** Checks a username and password; starting the session is the caller's job. */
export async function checkCredentials(
  deps: LoginDeps,
  input: LoginInput,
): Promise<{ ok: true; userId: string } | LoginFailure> {
  if (!input.username || !input.password) {
    return { ok: false, reason: "missing_fields", message: loginMessages.missingFields };
  }
  const user = await deps.users.findByUsername(input.username);
  if (!user) {
    // Same work as a wrong password, so timing does not reveal which usernames exist.
    await deps.passwords.verifyNothing(input.password);
    return { ok: false, reason: "invalid_credentials", message: loginMessages.invalidCredentials };
  }
  if (!(await deps.passwords.verify(user.passwordHash, input.password))) {
    return { ok: false, reason: "invalid_credentials", message: loginMessages.invalidCredentials };
  }
  return { ok: true, userId: user.id };
}
