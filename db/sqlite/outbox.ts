import type { ClaimedMessage, OutboxMessage, OutboxStore } from "../store.js";
import { retryWhileBusy } from "./busy.js";
import type { SqliteDb } from "./database.js";

type OutboxRow = Omit<OutboxMessage, "deliver" | "secret"> & {
  nextAttemptAt: number | null;
  redactedBody: string | null;
  secretUntil: number | null;
};

/** What a body holding a secret becomes once the secret is no longer needed (see OutboxMessage). */
const redacted = "body = COALESCE(redacted_body, body), redacted_body = NULL, secret_until = NULL";

/** Statements that db/sqlite/users.ts and db/sqlite/password-resets.ts also run inside their transactions. */
export function outboxStatements(db: SqliteDb) {
  const insert = db.prepare<[OutboxRow]>(
    `INSERT INTO outbox (user_id, recipient, subject, body, created_at, next_attempt_at, redacted_body, secret_until)
     VALUES (@userId, @recipient, @subject, @body, @createdAt, @nextAttemptAt, @redactedBody, @secretUntil)`,
  );
  const redactUser = db.prepare<[userId: string]>(`UPDATE outbox SET ${redacted} WHERE user_id = ? AND secret_until IS NOT NULL`);
  const redactExpired = db.prepare<[now: number]>(`UPDATE outbox SET ${redacted} WHERE secret_until <= ?`);
  return {
    /** The new row's id; a message to deliver is due at once. */
    add(message: OutboxMessage): number {
      const { deliver, secret, ...row } = message;
      return Number(
        insert.run({
          ...row,
          nextAttemptAt: deliver ? message.createdAt : null,
          redactedBody: secret?.redacted ?? null,
          secretUntil: secret?.until ?? null,
        }).lastInsertRowid,
      );
    },
    /** A password change: the secrets of the user's messages (reset links) are void, so they go. */
    redactUser(userId: string): void {
      redactUser.run(userId);
    },
    redactExpired(now: number): void {
      redactExpired.run(now);
    },
  };
}

export function createSqliteOutbox(db: SqliteDb): OutboxStore {
  const statements = outboxStatements(db);
  // One statement picks and claims: SQLite's single writer means no two senders claim the same row.
  const claim = db.prepare<[number, number, number, number], { id: number; recipient: string; subject: string; body: string; user_id: string; attempts: number }>(
    `UPDATE outbox SET claimed_until = ?, attempts = attempts + 1
      WHERE id IN (SELECT id FROM outbox
                    WHERE next_attempt_at <= ? AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?)
                    ORDER BY id LIMIT ?)
      RETURNING id, recipient, subject, body, user_id, attempts`,
  );
  // Sent, or given up: a secret in the body has done its work either way.
  const markSent = db.prepare<[number, number]>(
    `UPDATE outbox SET sent_at = ?, next_attempt_at = NULL, claimed_until = NULL, error = NULL, ${redacted} WHERE id = ?`,
  );
  const markFailed = db.prepare<[string, number, number]>("UPDATE outbox SET error = ?, next_attempt_at = ?, claimed_until = NULL WHERE id = ?");
  const giveUp = db.prepare<[string, number]>(
    `UPDATE outbox SET error = ?, next_attempt_at = NULL, claimed_until = NULL, ${redacted} WHERE id = ?`,
  );
  const sentAt = db.prepare<[number], number | null>("SELECT sent_at FROM outbox WHERE id = ?").pluck();
  return {
    async add(message) {
      return retryWhileBusy(() => statements.add(message));
    },
    async claimDue(now, leaseUntil, limit): Promise<ClaimedMessage[]> {
      const rows = await retryWhileBusy(() => claim.all(leaseUntil, now, now, limit));
      return rows.map(({ user_id, ...row }) => ({ ...row, userId: user_id })).sort((a, b) => a.id - b.id);
    },
    async markSent(id, at) {
      await retryWhileBusy(() => markSent.run(at, id));
    },
    async markFailed(id, error, retryAt) {
      await retryWhileBusy(() => (retryAt === null ? giveUp.run(error.slice(0, 500), id) : markFailed.run(error.slice(0, 500), retryAt, id)));
    },
    async isSent(id) {
      return (await retryWhileBusy(() => sentAt.get(id))) != null;
    },
  };
}
