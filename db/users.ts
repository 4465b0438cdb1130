import type { Db } from "./database.js";
import { sessionStatements } from "./sessions.js";

export type UserRecord = {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  createdAt: number;
  passwordChangedAt: number | null;
};

type UserRow = {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  created_at: number;
  password_changed_at: number | null;
};

export type SetPasswordInput = {
  userId: string;
  /** The hash the caller verified the current password against. */
  expectedHash: string;
  passwordHash: string;
  changedAt: number;
  revokeSessions: boolean;
  /** A session to start in the same transaction (the device that made the change stays signed in). */
  newSession?: { id: string; expiresAt: Date; createdAt: number };
};

export type SetPasswordResult = { updated: boolean; revokedSessions: number };

export type NewUser = Omit<UserRecord, "passwordChangedAt">;

/** Which unique column a new user collided with; errors as values, not exceptions. */
export type InsertUserResult = { ok: true } | { ok: false; taken: "username" | "email" };

const columns = "id, username, email, password_hash, created_at, password_changed_at";

function toRecord(row: UserRow | undefined): UserRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    passwordChangedAt: row.password_changed_at,
  };
}

/**
 * Every query on users. The functions are async although better-sqlite3 is synchronous, so that
 * a networked SQLite (libSQL) can take its place without touching a caller.
 */
export function createUserQueries(db: Db) {
  const byId = db.prepare<[string], UserRow>(`SELECT ${columns} FROM user WHERE id = ?`);
  const byUsername = db.prepare<[string], UserRow>(`SELECT ${columns} FROM user WHERE username = ?`);
  const insert = db.prepare(
    "INSERT INTO user (id, username, email, password_hash, created_at) VALUES (@id, @username, @email, @passwordHash, @createdAt)",
  );
  // Compare-and-swap: only replaces the hash the caller just verified, so of two concurrent
  // changes (or a change racing any other write) exactly one wins.
  const swapPassword = db.prepare<[string, number, string, string]>(
    "UPDATE user SET password_hash = ?, password_changed_at = ? WHERE id = ? AND password_hash = ?",
  );
  const sessions = sessionStatements(db);

  // One transaction, so a crash can never leave the new password with the old sessions alive.
  const setPasswordTx = db.transaction((input: SetPasswordInput): SetPasswordResult => {
    const swapped = swapPassword.run(input.passwordHash, input.changedAt, input.userId, input.expectedHash).changes;
    if (swapped === 0) return { updated: false, revokedSessions: 0 };
    const revokedSessions = input.revokeSessions ? sessions.deleteForUser.run(input.userId).changes : 0;
    const session = input.newSession;
    if (session) {
      sessions.insert.run(session.id, Math.floor(session.expiresAt.getTime() / 1000), input.userId, session.createdAt);
    }
    return { updated: true, revokedSessions };
  });

  return {
    async findById(id: string): Promise<UserRecord | undefined> {
      return toRecord(byId.get(id));
    },
    /** Case-insensitive: the column is COLLATE NOCASE. */
    async findByUsername(username: string): Promise<UserRecord | undefined> {
      return toRecord(byUsername.get(username));
    },
    async insert(user: NewUser): Promise<InsertUserResult> {
      try {
        insert.run(user);
        return { ok: true };
      } catch (error) {
        const taken = uniqueViolation(error);
        if (taken) return { ok: false, taken };
        throw error;
      }
    },
    /**
     * Replaces `expectedHash` with a new hash and, when asked, deletes every session of the user,
     * all in one transaction. `updated: false` means the hash was no longer `expectedHash`.
     */
    async setPassword(input: SetPasswordInput): Promise<SetPasswordResult> {
      return setPasswordTx.immediate(input);
    },
  };
}

function uniqueViolation(error: unknown): "username" | "email" | undefined {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== "SQLITE_CONSTRAINT_UNIQUE") return undefined;
  if (error.message.includes("user.username")) return "username";
  if (error.message.includes("user.email")) return "email";
  return undefined;
}

export type UserQueries = ReturnType<typeof createUserQueries>;
