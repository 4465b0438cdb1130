import type { UserRecord } from "../../db/store.js";
import { knownDeviceFor, type Account, type Requester } from "./account.js";
import type { AuthDependencies } from "./dependencies.js";
import { busy, fail, type Failure } from "./failures.js";
import { exceedsByteCap } from "./password-text.js";
import type { NewSession } from "./sessions.js";

export type SignInInput = { username: string; password: string; requester: Requester };

export type SignedIn = {
  ok: true;
  account: Account;
  session: NewSession;
  /** For the device cookie: this browser is now a device known to the account (server/auth/devices.ts). */
  deviceToken: string;
};

export type SignInResult = SignedIn | SignInFailure;

/**
 * Checks a username and password and starts a session. The session records the credential version
 * read together with the hash that was verified, so a password change that lands while this login
 * is in flight leaves it void (the store's session lookup), whatever the clocks say.
 */
export async function signIn(deps: AuthDependencies, input: SignInInput): Promise<SignInResult> {
  const result = await checkCredentials(deps, input);
  if (!result.ok) {
    await deps.events.record({
      type: result.reason === "rate_limited" ? "rate_limited" : "login_failed",
      reason: result.reason,
      userId: result.userId ?? null,
      requester: input.requester,
    });
    const { userId: _known, ...failure } = result;
    return failure;
  }
  const { user } = result;
  const session = await deps.sessions.create(user.id, user.credentialVersion, input.requester);
  const deviceToken = deps.devices.issue(user.id, knownDeviceFor(input.requester, user.id));
  await deps.events.record({ type: "login_succeeded", userId: user.id, requester: input.requester });
  return { ok: true, account: { id: user.id, username: user.username, email: user.email }, session, deviceToken };
}

type SignInFailure = Failure<"missing_credentials" | "invalid_credentials" | "rate_limited" | "busy">;

/** A failure keeps the id of the account it concerned, for the audit trail only. */
async function checkCredentials(
  deps: AuthDependencies,
  input: SignInInput,
): Promise<{ ok: true; user: UserRecord } | (SignInFailure & { userId?: string })> {
  if (!input.username || !input.password) return fail("missing_credentials");
  if (exceedsByteCap(input.password, deps.rules) || input.username.length > 64) return fail("invalid_credentials");
  if (deps.passwords.overloaded()) return busy();
  const user = await deps.users.findByUsername(input.username);
  // Counted per username, existing or not, so the limiter does not reveal which accounts exist.
  const subject = { username: input.username, ip: input.requester.ip, knownDevice: knownDeviceFor(input.requester, user?.id) };
  const check = await deps.throttle.checkPassword(subject, async () => {
    if (user) return deps.passwords.verify(user.passwordHash, input.password);
    // Same work as a wrong password, so timing does not reveal which usernames exist.
    await deps.passwords.verifyNothing(input.password);
    return false;
  });
  if (!check.ok) return fail("rate_limited", { retryAfterSeconds: check.retryAfterSeconds });
  if (!user || !check.correct) return { ...fail("invalid_credentials"), userId: user?.id };
  return { ok: true, user };
}
