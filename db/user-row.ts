import type { UserRecord } from "./store.js";

/** A row of the user table as both dialects return it (same columns, same names). */
export type UserRow = {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  credential_version: number;
  created_at: number;
  password_changed_at: number | null;
};

export const userColumns = "id, username, email, password_hash, credential_version, created_at, password_changed_at";

export function toUserRecord(row: UserRow | undefined): UserRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.password_hash,
    credentialVersion: row.credential_version,
    createdAt: row.created_at,
    passwordChangedAt: row.password_changed_at,
  };
}

/** The same columns for a query that joins another table: `u.id, u.username, ...`. */
export function aliasedUserColumns(alias: string): string {
  return userColumns
    .split(", ")
    .map((column) => `${alias}.${column}`)
    .join(", ");
}
