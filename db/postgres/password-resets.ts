import type { PasswordResetStore, PasswordResetWithUser } from "../store.js";
import { insertOutboxRow, redactExpiredSecrets } from "./outbox.js";
import { inTransaction, type PgClient, type PgPool } from "./pool.js";
import { keepExpiredMs, toResetWithUser, type ResetRow } from "../reset-row.js";
import { aliasedUserColumns } from "../user-row.js";

async function sweep(client: Pick<PgClient, "query">, now: number): Promise<void> {
  await client.query({ name: "password-reset-forget", text: "DELETE FROM password_reset WHERE expires_at <= $1", values: [now - keepExpiredMs] });
  await redactExpiredSecrets(client, now);
}

/** The same statements and transactions as db/sqlite/password-resets.ts. */
export function createPostgresPasswordResets(pool: PgPool): PasswordResetStore {
  return {
    async issue(reset, message) {
      return inTransaction(pool, async (client) => {
        await sweep(client, reset.createdAt);
        await client.query({
          name: "password-reset-insert",
          text: "INSERT INTO password_reset (id, user_id, credential_version, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
          values: [reset.id, reset.userId, reset.credentialVersion, reset.createdAt, reset.expiresAt],
        });
        return insertOutboxRow(client, message);
      });
    },
    async find(id): Promise<PasswordResetWithUser | undefined> {
      const { rows } = await pool.query<ResetRow>({
        name: "password-reset-find",
        text: `SELECT r.id AS reset_id, r.credential_version AS reset_version, r.created_at AS reset_created_at,
                      r.expires_at AS reset_expires_at, r.used_at AS reset_used_at, ${aliasedUserColumns("u")}
                 FROM password_reset r JOIN "user" u ON u.id = r.user_id
                WHERE r.id = $1`,
        values: [id],
      });
      const row = rows[0];
      return toResetWithUser(row);
    },
    async sweep(now) {
      await inTransaction(pool, (client) => sweep(client, now));
    },
  };
}
