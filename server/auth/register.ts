import { randomUUID } from "node:crypto";
import type { Requester } from "./account.js";
import type { AuthDependencies } from "./dependencies.js";
import { busy, fail, failureOfFields, type Failure } from "./failures.js";
import { checkPasswordContent, checkPasswordLength, type PolicyFailureReason } from "./password-policy.js";

export type RegisterInput = {
  username: string;
  email: string;
  password: string;
  /** Forms always send it (an empty one is "missing"); API clients may leave it out. */
  confirmPassword?: string;
  requester: Requester;
};

type RegisterFailureReason =
  | "read_only"
  | "missing_fields"
  | "invalid_username"
  | "invalid_email"
  | PolicyFailureReason
  | "mismatch"
  | "too_many_registrations"
  | "already_registered"
  | "busy";

export type RegisterResult = { ok: true; userId: string } | Failure<RegisterFailureReason>;

// ASCII only, so that SQLite's NOCASE makes usernames unique case-insensitively and no two
// look-alike Unicode names can exist.
const usernamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
// Deliberately loose (RFC 5322 is not worth matching); ASCII for the same NOCASE reason.
const emailPattern = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/**
 * Creates an account with the same password rules as a change, in the same order, every wrong
 * field reported at once. Everything that costs nothing comes first; then the per-address limit, so a flood is stopped before the
 * uniqueness check and the hash, and probing which names and addresses are taken is slow.
 */
export async function register(deps: AuthDependencies, input: RegisterInput): Promise<RegisterResult> {
  if (deps.rules.readOnly) return fail("read_only");
  // Every field is checked and every problem kept, in this order, so the form can show them all at
  // once while the first stays the request's answer for the doors that give one message.
  const found: Failure<RegisterFailureReason>[] = [];
  for (const field of ["username", "email", "password", "confirmPassword"] as const) {
    if (input[field] === "") found.push(fail("missing_fields", { field }));
  }
  if (input.username !== "" && !usernamePattern.test(input.username)) found.push(fail("invalid_username", { field: "username" }));
  if (input.email !== "" && (input.email.length > 254 || !emailPattern.test(input.email))) {
    found.push(fail("invalid_email", { field: "email" }));
  }
  const length = input.password === "" ? null : checkPasswordLength(input.password, deps.rules);
  if (length) found.push({ ...length, field: "password" });
  if (input.password !== "" && input.confirmPassword && input.confirmPassword !== input.password) {
    found.push(fail("mismatch", { field: "confirmPassword" }));
  }
  if (input.password !== "" && !length) {
    const content = checkPasswordContent(input.password, { limits: deps.rules, username: input.username, email: input.email });
    if (content) found.push({ ...content, field: "password" });
  }
  const failure = failureOfFields(found);
  if (failure) return failure;

  // A flood of registrations must not queue up hashes for everyone: past the line's limit, 503.
  if (deps.passwords.overloaded()) return busy();
  const admitted = await deps.throttle.admitRegistration(input.requester.ip);
  if (!admitted.ok) return fail("too_many_registrations", { retryAfterSeconds: admitted.retryAfterSeconds });

  const userId = randomUUID();
  const inserted = await deps.users.insert({
    id: userId,
    username: input.username,
    email: input.email,
    passwordHash: await deps.passwords.hash(input.password),
    createdAt: deps.now(),
  });
  // One answer whichever is taken: each probe tells less, and none names the field.
  if (!inserted.ok) return fail("already_registered");
  // Register failures are not password checks: only the success is audited.
  await deps.events.record({ type: "registered", userId, requester: input.requester });
  return { ok: true, userId };
}
