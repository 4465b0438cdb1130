import type { PasswordResetWithUser } from "./store.js";
import { toUserRecord, type UserRow } from "./user-row.js";

/** Links are forgotten a day after they expire: until then a late click is told "expired", not "not valid". */
export const keepExpiredMs = 24 * 3600 * 1000;

/** A reset link joined with its user, as both dialects return it. */
export type ResetRow = UserRow & {
  reset_id: string;
  reset_version: number;
  reset_created_at: number;
  reset_expires_at: number;
  reset_used_at: number | null;
};

export function toResetWithUser(row: ResetRow | undefined): PasswordResetWithUser | undefined {
  if (!row) return undefined;
  return {
    id: row.reset_id,
    userId: row.id,
    credentialVersion: row.reset_version,
    createdAt: row.reset_created_at,
    expiresAt: row.reset_expires_at,
    usedAt: row.reset_used_at,
    user: toUserRecord(row)!,
  };
}
