import type { UserRecord } from "../../db/store.js";
import type { Requester } from "./account.js";
import type { AuthDependencies } from "./dependencies.js";
import { fail, type Failure } from "./failures.js";
import { newResetToken, resetIdOf, resetLinkLifetimeMinutes, resetLinkLifetimeMs } from "./reset-links.js";

/**
 * "Forgot your password?", step one: a username or e-mail address in, a single-use link out, sent
 * through the outbox to the account's e-mail address (OWASP Forgot Password cheat sheet).
 *
 * The answer is the same whether or not an account has that name: same value, same status, and
 * comparable work. Both count a point on the same two counters (per name as typed, per address)
 * before anything else, both make one write transaction (the link and its e-mail, or the sweep of
 * expired links alone) and write one audit row, and neither waits for the mail server. So neither
 * the answer, nor a 429, nor the time taken tells whether an account exists.
 */

export type RequestPasswordResetInput = { emailOrUsername: string; requester: Requester };

/** The one answer, account or not. */
export type PasswordResetRequested = {
  ok: true;
  linkLifetimeMinutes: number;
  /**
   * Settles when the e-mail has been delivered or its delivery has failed, or at once when there was
   * nobody to write to (never rejects). For tests and the command line, never for the answer.
   */
  delivered: Promise<void>;
};

export type RequestPasswordResetFailureReason = "read_only" | "missing_account_name" | "too_many_reset_requests";

export type RequestPasswordResetResult = PasswordResetRequested | Failure<RequestPasswordResetFailureReason>;

/**
 * Usernames and e-mail addresses are printable ASCII, at most 254 characters (server/auth/register.ts):
 * anything else is nobody's, and is not worth a query (PostgreSQL would refuse a NUL byte outright).
 */
const possibleName = /^[\x21-\x7e]{1,254}$/;

export async function requestPasswordReset(deps: AuthDependencies, input: RequestPasswordResetInput): Promise<RequestPasswordResetResult> {
  const { requester } = input;
  // A link that could not be used (read-only mode refuses the reset) would only mislead.
  if (deps.rules.readOnly) return fail("read_only");
  // Not a password: spaces around a name are a slip of the keyboard, not part of it.
  const name = input.emailOrUsername.trim();
  if (name === "") return fail("missing_account_name", { field: "emailOrUsername" });

  // Counted before the lookup, for every name, so that a 429 comes as often for unknown names.
  const admitted = await deps.throttle.admitResetRequest({ account: name, ip: requester.ip });
  if (!admitted.ok) {
    await deps.events.record({ type: "rate_limited", reason: "too_many_reset_requests", userId: null, requester });
    return fail("too_many_reset_requests", { retryAfterSeconds: admitted.retryAfterSeconds });
  }

  const user = await findAccount(deps, name);
  const now = deps.now();
  let outboxId: number | null = null;
  if (user) {
    const token = newResetToken();
    const expiresAt = now + resetLinkLifetimeMs;
    const account = { id: user.id, username: user.username, email: user.email };
    const message = deps.notifier.passwordResetLink({
      user: account,
      token,
      at: now,
      expiresAt,
      lifetimeMinutes: resetLinkLifetimeMinutes,
      origin: requester,
    });
    // Earlier links stay good until they expire: e-mails arrive late and out of order, and whichever
    // the owner opens first should work. Any new password voids them all (the credential version).
    outboxId = await deps.passwordResets.issue(
      { id: resetIdOf(token), userId: user.id, credentialVersion: user.credentialVersion, createdAt: now, expiresAt },
      message,
    );
  } else {
    // Nobody to write to: the same kind of write transaction all the same, so the answer takes about as long.
    await deps.passwordResets.sweep(now);
  }
  await deps.events.record({
    type: "password_reset_requested",
    reason: user ? null : "unknown_account",
    userId: user?.id ?? null,
    requester,
  });
  // The link was written with its e-mail (a transactional outbox): now it may be sent, after the answer.
  const delivered = user && outboxId !== null ? deps.notifier.queued(outboxId, user.id).delivered : Promise.resolve();
  return { ok: true, linkLifetimeMinutes: resetLinkLifetimeMinutes, delivered };
}

/** Usernames cannot contain "@" (server/auth/register.ts) and e-mail addresses always do. */
function findAccount(deps: AuthDependencies, name: string): Promise<UserRecord | undefined> {
  if (!possibleName.test(name)) return Promise.resolve(undefined);
  return name.includes("@") ? deps.users.findByEmail(name) : deps.users.findByUsername(name);
}
