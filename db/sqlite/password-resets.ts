import type { PasswordResetStore, PasswordResetWithUser } from "../store.js";
import { retryWhileBusy } from "./busy.js";
import type { SqliteDb } from "./database.js";
import { outboxStatements } from "./outbox.js";
import { keepExpiredMs, toResetWithUser, type ResetRow } from "../reset-row.js";
import { aliasedUserColumns } from "../user-row.js";

export function createSqlitePasswordResets(db: SqliteDb): PasswordResetStore {
  const outbox = outboxStatements(db);
  const insert = db.prepare<[id: string, userId: string, version: number, createdAt: number, expiresAt: number]>(
    "INSERT INTO password_reset (id, user_id, credential_version, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
  );
  const forget = db.prepare<[before: number]>("DELETE FROM password_reset WHERE expires_at <= ?");
  const find = db.prepare<[string], ResetRow>(
    `SELECT r.id AS reset_id, r.credential_version AS reset_version, r.created_at AS reset_created_at,
            r.expires_at AS reset_expires_at, r.used_at AS reset_used_at, ${aliasedUserColumns("u")}
       FROM password_reset r JOIN user u ON u.id = r.user_id
      WHERE r.id = ?`,
  );
  const sweep = (now: number) => {
    forget.run(now - keepExpiredMs);
    outbox.redactExpired(now);
  };
  const issueTx = db.transaction((reset: Parameters<PasswordResetStore["issue"]>[0], message: Parameters<PasswordResetStore["issue"]>[1]) => {
    sweep(reset.createdAt);
    insert.run(reset.id, reset.userId, reset.credentialVersion, reset.createdAt, reset.expiresAt);
    return outbox.add(message);
  });
  const sweepTx = db.transaction(sweep);
  return {
    async issue(reset, message) {
      return retryWhileBusy(() => issueTx.immediate(reset, message));
    },
    async find(id): Promise<PasswordResetWithUser | undefined> {
      const row = await retryWhileBusy(() => find.get(id));
      return toResetWithUser(row);
    },
    async sweep(now) {
      await retryWhileBusy(() => sweepTx.immediate(now));
    },
  };
}
