import { codePointLength } from "./passwords.js";

/** Length limits for any new password (register and change alike). */
export type PasswordLimits = { minPasswordLength: number; maxPasswordLength: number };

export type PasswordRuleFailure = { reason: "too_short" | "too_long"; message: string };

export const passwordRuleMessages = {
  // The seed's message, word for word.
  tooShort: (min: number) => `Password must be at least ${min} characters long.`,
  tooLong: (max: number) => `Password must be at most ${max} characters long.`,
};

/**
 * Length in code points, never trimmed: six spaces are six characters. NIST 800-63B asks for
 * no composition rules, so length is the only rule here.
 */
export function checkNewPassword(password: string, limits: PasswordLimits): PasswordRuleFailure | null {
  const length = codePointLength(password);
  if (length < limits.minPasswordLength) {
    return { reason: "too_short", message: passwordRuleMessages.tooShort(limits.minPasswordLength) };
  }
  if (length > limits.maxPasswordLength) {
    return { reason: "too_long", message: passwordRuleMessages.tooLong(limits.maxPasswordLength) };
  }
  return null;
}
