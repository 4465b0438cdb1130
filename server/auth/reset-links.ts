import { createHash, randomBytes } from "node:crypto";
import type { PasswordResetRecord, UserRecord } from "../../db/store.js";

/**
 * Password-reset links: what a link carries, what is kept of it, and when it is good. The one home
 * of the rule "a link works once, for 30 minutes, and only until the password changes"; the store's
 * password swap re-checks it inside its transaction (db/sqlite/users.ts, db/postgres/users.ts).
 */

/**
 * How long a link works (OWASP's Forgot Password cheat sheet: short-lived). The reset throttle's
 * window is the same length (server/services.ts): see ThrottleLimits.resetAttempts.
 */
export const resetLinkLifetimeMinutes = 30;
export const resetLinkLifetimeMs = resetLinkLifetimeMinutes * 60_000;

/** 256 random bits, base64url: nothing to guess, and it fits a URL path unchanged. */
export function newResetToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * What the database keeps: the token's SHA-256, like session ids, so a copy of the database holds
 * no usable link. Plain SHA-256 is enough: the token has full entropy, nothing to stretch.
 */
export function resetIdOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Exactly what `newResetToken` makes; anything else is not looked up at all. */
export function isResetTokenShape(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/**
 * Why a stored link no longer works, or null while it does. A link dies when it is used, when it
 * expires, and when the password changes by any means (the user's credential version moves on:
 * this reset included, so single use holds even without `usedAt`).
 */
export function deadLinkReason(
  link: Pick<PasswordResetRecord, "credentialVersion" | "expiresAt" | "usedAt">,
  user: Pick<UserRecord, "credentialVersion">,
  now: number,
): "reset_link_used" | "reset_link_expired" | null {
  if (link.usedAt !== null || link.credentialVersion !== user.credentialVersion) return "reset_link_used";
  if (link.expiresAt <= now) return "reset_link_expired";
  return null;
}
