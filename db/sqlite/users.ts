import type { InsertUserResult, SetPasswordInput, SetPasswordResult, UserStore } from "../store.js";
import { toUserRecord, userColumns, type UserRow } from "../user-row.js";
import { retryWhileBusy } from "./busy.js";
import type { SqliteDb } from "./database.js";
import { outboxStatements } from "./outbox.js";
import { sessionStatements } from "./sessions.js";

/** Every query on users, on the SQLite file (better-sqlite3 is synchronous; the store's interface is not). */
export function createSqliteUsers(db: SqliteDb): UserStore {
  const byId = db.prepare<[string], UserRow>(`SELECT ${userColumns} FROM user WHERE id = ?`);
  const byUsername = db.prepare<[string], UserRow>(`SELECT ${userColumns} FROM user WHERE username = ?`);
  const byEmail = db.prepare<[string], UserRow>(`SELECT ${userColumns} FROM user WHERE email = ?`);
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
  // The swap's guard and record in one: a reset link is marked used only while it is unused,
  // unexpired and of the expected credential version; no row changed means it is not.
  const markResetUsed = db.prepare<[usedAt: number, id: string, userId: string, version: number, now: number]>(
    `UPDATE password_reset SET used_at = ?
      WHERE id = ? AND user_id = ? AND credential_version = ? AND used_at IS NULL AND expires_at > ?`,
  );

  // One transaction, so a crash can never leave the new password with the old sessions alive.
  const setPasswordTx = db.transaction((input: SetPasswordInput): SetPasswordResult => {
    const { userId, expected } = input;
    const version = swapPassword.get(input.passwordHash, input.changedAt, userId, expected.passwordHash, expected.credentialVersion);
    if (version === undefined) return { updated: false };
    if (input.passwordResetId !== undefined) {
      const { changedAt } = input;
      // Used, expired or from another version meanwhile: undo the swap (the transaction rolls back).
      if (markResetUsed.run(changedAt, input.passwordResetId, userId, expected.credentialVersion, changedAt).changes === 0) throw new ResetLinkSpent();
    }
    // The user's reset links died with the old version: no e-mail body keeps a live one.
    outbox.redactUser(userId);
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
      return retryWhileBusy(() => toUserRecord(byId.get(id)));
    },
    /** Case-insensitive: the column is COLLATE NOCASE. */
    async findByUsername(username) {
      return retryWhileBusy(() => toUserRecord(byUsername.get(username)));
    },
    /** Case-insensitive: the column is COLLATE NOCASE. */
    async findByEmail(email) {
      return retryWhileBusy(() => toUserRecord(byEmail.get(email)));
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
      try {
        return await retryWhileBusy(() => setPasswordTx.immediate(input));
      } catch (error) {
        if (error instanceof ResetLinkSpent) return { updated: false };
        throw error;
      }
    },
  };
}

/** Thrown inside the swap's transaction to roll it back: the reset link was no longer good. */
class ResetLinkSpent extends Error {}

function uniqueViolation(error: unknown): "username" | "email" | undefined {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== "SQLITE_CONSTRAINT_UNIQUE") return undefined;
  if (error.message.includes("user.username")) return "username";
  if (error.message.includes("user.email")) return "email";
  return undefined;
}
