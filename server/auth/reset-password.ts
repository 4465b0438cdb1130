import type { PasswordResetWithUser } from "../../db/store.js";
import type { Account, Requester } from "./account.js";
import type { AuthDependencies } from "./dependencies.js";
import { busy, fail, failureOfFields, type Failure } from "./failures.js";
import { checkPasswordContent, checkPasswordLength, type PolicyFailureReason } from "./password-policy.js";
import { deadLinkReason, isResetTokenShape, resetIdOf } from "./reset-links.js";

/**
 * "Forgot your password?", step two: the link's token and a new password in, the password swapped.
 * The link stands in for the current password; everything after it is a change's: the same policy,
 * the same compare-and-swap through `users.setPassword` (which also marks the link used, in the
 * same transaction), audit, notice. Every session of the account ends, whatever INVALIDATE_SESSIONS
 * says: a reset is how an owner takes an account back from someone who knew the password, so
 * nobody stays signed in, and nobody is signed in by it either (they sign in with the new password).
 */

export type ResetLinkFailureReason = "reset_link_invalid" | "reset_link_expired" | "reset_link_used";

/** A link that works, and whose account it is (for the page: the username, and the strength meter's words). */
export type UsableResetLink = { ok: true; account: Account; expiresAt: number };

export type ResetPasswordInput = {
  token: string;
  newPassword: string;
  /** Forms always send it (an empty one is "missing"); API clients may leave it out. */
  confirmNewPassword?: string;
  requester: Requester;
};

export type PasswordReset = {
  ok: true;
  account: Account;
  resetAt: number;
  /** Live sessions of the account that were deleted: every device is signed out. */
  sessionsEnded: number;
  /** Settles when the notice has been delivered or its delivery has failed (never rejects). */
  noticeSent: Promise<void>;
};

export type ResetPasswordFailureReason =
  | "read_only"
  | ResetLinkFailureReason
  | "missing_fields"
  | PolicyFailureReason
  | "mismatch"
  | "busy";

export type ResetPasswordResult = PasswordReset | Failure<ResetPasswordFailureReason>;

/** Whether the link with this token can still be used, for the page that shows its form. Reads only. */
export async function checkResetLink(deps: AuthDependencies, token: string): Promise<UsableResetLink | Failure<ResetLinkFailureReason>> {
  const found = await findLink(deps, token);
  if (!found.ok) return found;
  const { user } = found.link;
  return { ok: true, account: { id: user.id, username: user.username, email: user.email }, expiresAt: found.link.expiresAt };
}

export async function resetPassword(deps: AuthDependencies, input: ResetPasswordInput): Promise<ResetPasswordResult> {
  const result = await attemptReset(deps, input);
  if (!result.ok) {
    // A token that names no link concerns no account: not recorded, so made-up links cannot fill the audit trail.
    const { userId, ...failure } = result;
    if (userId !== undefined) {
      await deps.events.record({ type: "password_reset_failed", reason: failure.reason, userId, requester: input.requester });
    }
    return failure;
  }
  await deps.events.record({ type: "password_reset_succeeded", userId: result.account.id, requester: input.requester });
  // The notice was written with the new password (a transactional outbox): now it may be sent.
  const { noticeId, ...reset } = result;
  const { delivered } = deps.notifier.queued(noticeId, result.account.id);
  return { ...reset, noticeSent: delivered };
}

type Attempt = (Omit<PasswordReset, "noticeSent"> & { noticeId: number }) | (Failure<ResetPasswordFailureReason> & { userId?: string });

async function attemptReset(deps: AuthDependencies, input: ResetPasswordInput): Promise<Attempt> {
  const { rules } = deps;
  const { newPassword, confirmNewPassword, requester } = input;
  if (rules.readOnly) return fail("read_only");
  // The link first: a dead link is what the person needs to hear, not a remark on their password.
  const found = await findLink(deps, input.token);
  if (!found.ok) return found;
  const { link } = found;
  const { user } = link;
  const refuse = (failure: Failure<ResetPasswordFailureReason>) => ({ ...failure, userId: user.id });

  // Every field checked and every problem kept, in the seed's order, as on the change form: the
  // page shows them all at once, the first is the request's answer.
  const problems: Failure<ResetPasswordFailureReason>[] = [];
  if (newPassword === "") problems.push(fail("missing_fields", { field: "newPassword" }));
  if (confirmNewPassword === "") problems.push(fail("missing_fields", { field: "confirmNewPassword" }));
  const length = newPassword === "" ? null : checkPasswordLength(newPassword, rules);
  if (length) problems.push({ ...length, field: "newPassword" });
  // Exact comparison: case and whitespace matter. A confirmation of nothing is not a mismatch.
  if (newPassword !== "" && confirmNewPassword && confirmNewPassword !== newPassword) {
    problems.push(fail("mismatch", { field: "confirmNewPassword" }));
  }
  // The change's rules but one: whether the new password equals the current one is not checked,
  // since answering it would let whoever holds a link test guesses at the current password (which
  // its owner may use elsewhere) as often as they like.
  if (newPassword !== "" && !length) {
    const content = checkPasswordContent(newPassword, { limits: rules, username: user.username, email: user.email });
    if (content) problems.push({ ...content, field: "newPassword" });
  }
  const refused = failureOfFields(problems);
  if (refused) return refuse(refused);

  if (deps.passwords.overloaded()) return refuse(busy());
  const passwordHash = await deps.passwords.hash(newPassword);
  const resetAt = deps.now();
  const account = { id: user.id, username: user.username, email: user.email };
  const swap = await deps.users.setPassword({
    userId: user.id,
    expected: { passwordHash: user.passwordHash, credentialVersion: user.credentialVersion },
    passwordHash,
    changedAt: resetAt,
    endSessions: "all",
    ownSessionId: null,
    notice: deps.notifier.passwordReset({ user: account, at: resetAt, origin: requester }),
    passwordResetId: link.id,
  });
  // The link was used, expired or voided by another change between our read and our write.
  if (!swap.updated) return refuse(fail("reset_link_used"));
  return { ok: true, account, resetAt, sessionsEnded: swap.otherSessionsEnded, noticeId: swap.noticeId! };
}

async function findLink(
  deps: AuthDependencies,
  token: string,
): Promise<{ ok: true; link: PasswordResetWithUser } | (Failure<ResetLinkFailureReason> & { userId?: string })> {
  // Anything that is not a token we could have made is not looked up at all.
  if (!isResetTokenShape(token)) return fail("reset_link_invalid");
  const link = await deps.passwordResets.find(resetIdOf(token));
  if (!link) return fail("reset_link_invalid");
  const dead = deadLinkReason(link, link.user, deps.now());
  if (dead) return { ...fail(dead), userId: link.userId };
  return { ok: true, link };
}
