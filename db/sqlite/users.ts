import type { InsertUserResult, SetPasswordInput, SetPasswordResult, UserRecord, UserStore } from "../store.js";
import { retryWhileBusy } from "./busy.js";
import type { SqliteDb } from "./database.js";
import { outboxStatements } from "./outbox.js";
import { sessionStatements } from "./sessions.js";

type UserRow = {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  credential_version: number;
  created_at: number;
  password_changed_at: number | null;
};

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

/** Every query on users, on the SQLite file (better-sqlite3 is synchronous; the store's interface is not). */
export function createSqliteUsers(db: SqliteDb): UserStore {
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
  const outbox = outboxStatements(db);

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
    if (fresh) {
      const expiresAt = Math.floor(fresh.expiresAt.getTime() / 1000);
      sessions.insert.run(fresh.id, expiresAt, userId, input.changedAt, version, fresh.userAgent ?? null, fresh.ip ?? null, input.changedAt);
    }
    const noticeId = input.notice ? outbox.add(input.notice) : null;
    return { updated: true, credentialVersion: version, ownSessionEnded, otherSessionsEnded, otherSessionsKept, noticeId };
  });

  return {
    async findById(id) {
      return retryWhileBusy(() => toRecord(byId.get(id)));
    },
    /** Case-insensitive: the column is COLLATE NOCASE. */
    async findByUsername(username) {
      return retryWhileBusy(() => toRecord(byUsername.get(username)));
    },
    async insert(user) {
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
    async setPassword(input) {
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
