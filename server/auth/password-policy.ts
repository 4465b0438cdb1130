import { dictionary } from "@zxcvbn-ts/language-common";
import { codePointLength, normalizePassword } from "./passwords.js";

/**
 * What makes a new password acceptable, for register and change alike (NIST SP 800-63B rev 4,
 * OWASP ASVS 5.0 V6): length in code points after NFKC, no composition rules, no common or
 * breached passwords, nothing equal to the account's own names. Never trimmed, truncated or
 * case-folded.
 */

export type PasswordLimits = { minPasswordLength: number; maxPasswordLength: number };

export type PolicyFailureReason =
  | "too_short"
  | "too_long"
  | "invalid_characters"
  | "common_password"
  | "same_as_username"
  | "same_as_email"
  | "same_as_current";

export type PolicyFailure = { reason: PolicyFailureReason; message: string };

export const policyMessages = {
  // The seed's message, word for word.
  tooShort: (min: number) => `Password must be at least ${min} characters long.`,
  tooLong: (max: number) => `Password must be at most ${max} characters long.`,
  invalidCharacters: "Password contains characters that cannot be used (control characters or broken Unicode).",
  commonPassword: "This password is too common. Choose one that is harder to guess.",
  sameAsUsername: "Password must not be your username.",
  sameAsEmail: "Password must not be your email address.",
  sameAsCurrent: "New password must be different from your current password.",
};

/**
 * A UTF-8 code point is at most 4 bytes, so anything longer than this is over the maximum
 * whatever it holds: refused before it is normalised or hashed.
 */
export function exceedsByteCap(password: string, limits: Pick<PasswordLimits, "maxPasswordLength">): boolean {
  return password.length > limits.maxPasswordLength * 4 || Buffer.byteLength(password, "utf8") > limits.maxPasswordLength * 4;
}

// C0 and C1 control characters (tab and newline included): invisible, and typed differently by
// different keyboards and password managers. U+FFFD is what a decoder leaves of broken UTF-8 or a
// lone surrogate sent through a form: nobody types it, so it means the password was damaged.
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

let commonPasswords: Set<string> | undefined;

/** About 49,000 passwords from @zxcvbn-ts/language-common, loaded once and kept. */
export function preloadPasswordPolicy(): Set<string> {
  commonPasswords ??= new Set(dictionary["passwords-common"].map((word) => word.toLowerCase()));
  return commonPasswords;
}

function isCommonPassword(normalized: string): boolean {
  return preloadPasswordPolicy().has(normalized.toLowerCase());
}

export type PolicyContext = {
  limits: PasswordLimits;
  username?: string;
  email?: string;
  /** When changing: the current password as typed, so the new one can be told apart from it. */
  currentPassword?: string;
};

export function checkNewPassword(password: string, context: PolicyContext): PolicyFailure | null {
  const { limits } = context;
  if (exceedsByteCap(password, limits)) return fail("too_long", policyMessages.tooLong(limits.maxPasswordLength));
  if (!password.isWellFormed() || controlCharacters.test(password)) {
    return fail("invalid_characters", policyMessages.invalidCharacters);
  }
  const normalized = normalizePassword(password);
  const length = codePointLength(normalized);
  if (length < limits.minPasswordLength) return fail("too_short", policyMessages.tooShort(limits.minPasswordLength));
  if (length > limits.maxPasswordLength) return fail("too_long", policyMessages.tooLong(limits.maxPasswordLength));
  // Whole-password match only: a passphrase that merely contains a listed word is fine.
  if (isCommonPassword(normalized)) return fail("common_password", policyMessages.commonPassword);
  const folded = normalized.toLowerCase();
  if (context.username && folded === context.username.toLowerCase()) {
    return fail("same_as_username", policyMessages.sameAsUsername);
  }
  if (context.email && folded === context.email.toLowerCase()) return fail("same_as_email", policyMessages.sameAsEmail);
  if (context.currentPassword !== undefined && normalized === normalizePassword(context.currentPassword)) {
    return fail("same_as_current", policyMessages.sameAsCurrent);
  }
  return null;
}

function fail(reason: PolicyFailureReason, message: string): PolicyFailure {
  return { reason, message };
}
