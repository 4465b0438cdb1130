import { fail, type Failure } from "./failures.js";
import {
  judgeContent,
  judgeLength,
  preloadStrengthJudge,
  type PasswordLimits,
  type StrengthRefusal,
} from "./password-strength.js";
import { normalizePassword } from "./password-text.js";

/**
 * What makes a new password acceptable, for register and change alike (NIST SP 800-63B rev 4,
 * OWASP ASVS 5.0 V6): length in code points after NFKC, no composition rules, no common or
 * breached passwords, nothing equal to the account's own names, nothing zxcvbn rates too
 * guessable, and not the current password. Never trimmed, truncated or case-folded. The judging
 * is password-strength.ts, shared with the browser's meter; this module turns its verdict into
 * the catalogue's failures and adds the one rule the meter cannot know, the current password.
 */

/** The reasons a new password can be refused for, from the failure catalogue. */
export type PolicyFailureReason = StrengthRefusal | "same_as_current";

/** The judge's dictionaries, built once at start-up rather than on the first password. */
export function preloadPasswordPolicy(): void {
  preloadStrengthJudge();
}

export type PolicyContext = {
  limits: PasswordLimits;
  username?: string;
  email?: string;
  /** When changing: the current password as typed, so the new one can be told apart from it. */
  currentPassword?: string;
};

/**
 * Length in code points after NFKC, the seed's own check (and our maximum): it comes before the
 * confirmation is compared, as in the seed. Everything else is `checkPasswordContent`, after it.
 */
export function checkPasswordLength(password: string, limits: PasswordLimits): Failure<PolicyFailureReason> | null {
  const verdict = judgeLength(password, limits);
  if (verdict === "too_short") return fail("too_short", { min: limits.minPasswordLength });
  if (verdict === "too_long") return fail("too_long", { max: limits.maxPasswordLength });
  return null;
}

/** Our checks on what the password is made of; run after `checkPasswordLength` and the confirmation. */
export function checkPasswordContent(password: string, context: PolicyContext): Failure<PolicyFailureReason> | null {
  const verdict = judgeContent(password, { username: context.username, email: context.email });
  if (!verdict.acceptable) {
    return verdict.reason === "too_guessable" ? fail("too_guessable", { advice: verdict.advice ?? "" }) : fail(verdict.reason);
  }
  if (context.currentPassword !== undefined && normalizePassword(password) === normalizePassword(context.currentPassword)) {
    return fail("same_as_current");
  }
  return null;
}

/** Both checks in order, for callers with no confirmation to compare in between (tests, the policy table). */
export function checkNewPassword(password: string, context: PolicyContext): Failure<PolicyFailureReason> | null {
  return checkPasswordLength(password, context.limits) ?? checkPasswordContent(password, context);
}
