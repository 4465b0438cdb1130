import { dictionary } from "@zxcvbn-ts/language-common";
import { fail, type Failure } from "./failures.js";
import { codePointLength, normalizePassword } from "./passwords.js";

/**
 * What makes a new password acceptable, for register and change alike (NIST SP 800-63B rev 4,
 * OWASP ASVS 5.0 V6): length in code points after NFKC, no composition rules, no common or
 * breached passwords, nothing equal to the account's own names. Never trimmed, truncated or
 * case-folded.
 */

export type PasswordLimits = { minPasswordLength: number; maxPasswordLength: number };

/** The reasons a new password can be refused for, from the failure catalogue. */
export type PolicyFailureReason =
  | "too_short"
  | "too_long"
  | "invalid_characters"
  | "no_visible_character"
  | "common_password"
  | "same_as_username"
  | "same_as_email"
  | "same_as_current";

/**
 * A UTF-8 code point is at most 4 bytes, so anything longer than this is over the maximum
 * whatever it holds: refused before it is normalised or hashed.
 */
export function exceedsByteCap(password: string, limits: Pick<PasswordLimits, "maxPasswordLength">): boolean {
  return password.length > limits.maxPasswordLength * 4 || Buffer.byteLength(password, "utf8") > limits.maxPasswordLength * 4;
}

// Refused anywhere in a password: C0 and C1 control characters (tab and newline included:
// invisible, and typed differently by different keyboards and password managers); unassigned code
// points and noncharacters (\p{Cn}: no keyboard produces them, and a later Unicode version could
// normalise a newly assigned one differently); U+FFFD, what a decoder leaves of broken UTF-8 or a
// lone surrogate sent through a form (nobody types it, so it means the password was damaged).
const unusableCharacters = /[\p{Cc}\p{Cn}\ufffd]/u;

// At least one letter, digit, punctuation mark or symbol. Spaces, zero-width and format characters
// and lone combining marks are all accepted inside a password (NIST 800-63B: every printable
// character), but a password made only of them cannot be seen, checked or typed reliably.
const visibleCharacter = /[\p{L}\p{N}\p{P}\p{S}]/u;

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

/**
 * Length in code points after NFKC, the seed's own check (and our maximum): it comes before the
 * confirmation is compared, as in the seed. Everything else is `checkPasswordContent`, after it.
 */
export function checkPasswordLength(password: string, limits: PasswordLimits): Failure<PolicyFailureReason> | null {
  if (exceedsByteCap(password, limits)) return fail("too_long", { max: limits.maxPasswordLength });
  const length = codePointLength(normalizePassword(password));
  if (length < limits.minPasswordLength) return fail("too_short", { min: limits.minPasswordLength });
  if (length > limits.maxPasswordLength) return fail("too_long", { max: limits.maxPasswordLength });
  return null;
}

/** Our checks on what the password is made of; run after `checkPasswordLength` and the confirmation. */
export function checkPasswordContent(password: string, context: PolicyContext): Failure<PolicyFailureReason> | null {
  if (!password.isWellFormed() || unusableCharacters.test(password)) return fail("invalid_characters");
  const normalized = normalizePassword(password);
  if (!visibleCharacter.test(normalized)) return fail("no_visible_character");
  // Whole-password match only: a passphrase that merely contains a listed word is fine.
  if (isCommonPassword(normalized)) return fail("common_password");
  const folded = normalized.toLowerCase();
  if (context.username && folded === context.username.toLowerCase()) return fail("same_as_username");
  if (context.email && folded === context.email.toLowerCase()) return fail("same_as_email");
  if (context.currentPassword !== undefined && normalized === normalizePassword(context.currentPassword)) {
    return fail("same_as_current");
  }
  return null;
}

/** Both checks in order, for callers with no confirmation to compare in between (tests, the policy table). */
export function checkNewPassword(password: string, context: PolicyContext): Failure<PolicyFailureReason> | null {
  return checkPasswordLength(password, context.limits) ?? checkPasswordContent(password, context);
}
