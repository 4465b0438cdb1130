import { retryWhileBusy } from "./busy.js";
import type { Db } from "./database.js";
import { sessionStatements } from "./sessions.js";

export type UserRecord = {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  /** Incremented by every password swap; sessions started under another version are void. */
  credentialVersion: number;
  createdAt: number;
  passwordChangedAt: number | null;
};

type UserRow = {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  credential_version: number;
  created_at: number;
  password_changed_at: number | null;
};

/** Which sessions a password swap ends; the ones it does not end carry over to the new version. */
export type SessionsToEnd = "all" | "own" | "none";

export type SetPasswordInput = {
  userId: string;
  /** The hash and version the caller read before verifying: the swap happens only while both are current. */
  expected: { passwordHash: string; credentialVersion: number };
  passwordHash: string;
  changedAt: number;
  endSessions: SessionsToEnd;
  /** The session of the device making the change, if any: "own" ends just this one. */
  ownSessionId: string | null;
  /** A session to start in the same transaction (the device that made the change stays signed in). */
  newSession?: { id: string; expiresAt: Date };
};

export type SetPasswordResult =
  | { updated: false }
  | {
      updated: true;
      credentialVersion: number;
      ownSessionEnded: boolean;
      /** Live sessions of other devices that were deleted. */
      otherSessionsEnded: number;
      /** Live sessions of other devices that carry over to the new password. */
      otherSessionsKept: number;
    };

export type NewUser = Pick<UserRecord, "id" | "username" | "email" | "passwordHash" | "createdAt">;

/** Which unique column a new user collided with; errors as values, not exceptions. */
export type InsertUserResult = { ok: true } | { ok: false; taken: "username" | "email" };

const columns = "id, username, email, password_hash, credential_version, created_at, password_changed_at";

function toRecord(row: UserRow | undefined): UserRecord | undefined {
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

/**
 * Every query on users. The functions are async although better-sqlite3 is synchronous, so that
 * a networked database can take its place without touching a caller.
 */
export function createUserQueries(db: Db) {
  const byId = db.prepare<[string], UserRow>(`SELECT ${columns} FROM user WHERE id = ?`);
  const byUsername = db.prepare<[string], UserRow>(`SELECT ${columns} FROM user WHERE username = ?`);
  const insert = db.prepare(
    "INSERT INTO user (id, username, email, password_hash, created_at) VALUES (@id, @username, @email, @passwordHash, @createdAt)",
  );
  // Compare-and-swap on the hash and the version just read: of two concurrent changes (or a change
  // racing any other write) exactly one wins, and the version moves on in the same statement.
  const swapPassword = db
    .prepare<[string, number, string, string, number], number>(
      `UPDATE user SET password_hash = ?, password_changed_at = ?, credential_version = credential_version + 1
        WHERE id = ? AND password_hash = ? AND credential_version = ?
        RETURNING credential_version`,
    )
    .pluck();
  const sessions = sessionStatements(db);

  // One transaction, so a crash can never leave the new password with the old sessions alive.
  const setPasswordTx = db.transaction((input: SetPasswordInput): SetPasswordResult => {
    const { userId, expected } = input;
    const version = swapPassword.get(input.passwordHash, input.changedAt, userId, expected.passwordHash, expected.credentialVersion);
    if (version === undefined) return { updated: false };
    const own = input.ownSessionId;
    const ownSessionEnded = own !== null && input.endSessions !== "none" && sessions.deleteOne.run(own, userId).changes > 0;
    const nowSeconds = Math.floor(input.changedAt / 1000);
    let otherSessionsEnded = 0;
    let otherSessionsKept = 0;
    if (input.endSessions === "all") {
      otherSessionsEnded = sessions.deleteLive.run(userId, expected.credentialVersion, nowSeconds).changes;
      sessions.deleteAll.run(userId);
    } else {
      otherSessionsKept = sessions.carryOver.run(version, userId, expected.credentialVersion, nowSeconds, own ?? "").changes;
      if (own !== null && !ownSessionEnded) sessions.carryOver.run(version, userId, expected.credentialVersion, nowSeconds, "");
    }
    const fresh = input.newSession;
    if (fresh) sessions.insert.run(fresh.id, Math.floor(fresh.expiresAt.getTime() / 1000), userId, input.changedAt, version);
    return { updated: true, credentialVersion: version, ownSessionEnded, otherSessionsEnded, otherSessionsKept };
  });

  return {
    async findById(id: string): Promise<UserRecord | undefined> {
      return retryWhileBusy(() => toRecord(byId.get(id)));
    },
    /** Case-insensitive: the column is COLLATE NOCASE. */
    async findByUsername(username: string): Promise<UserRecord | undefined> {
      return retryWhileBusy(() => toRecord(byUsername.get(username)));
    },
    async insert(user: NewUser): Promise<InsertUserResult> {
      return retryWhileBusy((): InsertUserResult => {
        try {
          insert.run(user);
          return { ok: true };
        } catch (error) {
          const taken = uniqueViolation(error);
          if (taken) return { ok: false, taken };
          throw error;
        }
      });
    },
    /**
     * Replaces the expected hash with a new one, moves the credential version on and ends or
     * carries over the user's sessions, all in one transaction. `updated: false` means the hash or
     * version was no longer the expected one.
     */
    async setPassword(input: SetPasswordInput): Promise<SetPasswordResult> {
      return retryWhileBusy(() => setPasswordTx.immediate(input));
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
