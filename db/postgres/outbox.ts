import type { ClaimedMessage, OutboxMessage, OutboxStore } from "../store.js";
import type { PgClient, PgPool } from "./pool.js";

type Queryable = Pick<PgClient, "query">;

/** What a body holding a secret becomes once the secret is no longer needed (see OutboxMessage). */
const redacted = "body = COALESCE(redacted_body, body), redacted_body = NULL, secret_until = NULL";

/** Inserts a message (in the caller's transaction when given a client); a message to deliver is due at once. */
export async function insertOutboxRow(client: Queryable, message: OutboxMessage): Promise<number> {
  const { rows } = await client.query<{ id: number }>({
    name: "outbox-insert",
    text: `INSERT INTO outbox (user_id, recipient, subject, body, created_at, next_attempt_at, redacted_body, secret_until)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    values: [
      message.userId,
      message.recipient,
      message.subject,
      message.body,
      message.createdAt,
      message.deliver ? message.createdAt : null,
      message.secret?.redacted ?? null,
      message.secret?.until ?? null,
    ],
  });
  return rows[0]!.id;
}

/** A password change: the secrets of the user's messages (reset links) are void, so they go. */
export async function redactUserSecrets(client: Queryable, userId: string): Promise<void> {
  await client.query({
    name: "outbox-redact-user",
    text: `UPDATE outbox SET ${redacted} WHERE user_id = $1 AND secret_until IS NOT NULL`,
    values: [userId],
  });
}

export async function redactExpiredSecrets(client: Queryable, now: number): Promise<void> {
  await client.query({ name: "outbox-redact-expired", text: `UPDATE outbox SET ${redacted} WHERE secret_until <= $1`, values: [now] });
}

export function createPostgresOutbox(pool: PgPool): OutboxStore {
  return {
    async add(message) {
      return insertOutboxRow(pool, message);
    },
    /**
     * FOR UPDATE SKIP LOCKED: of two instances claiming at the same moment, each takes rows the
     * other has not locked, and the lease (claimed_until) keeps them taken after the statement.
     */
    async claimDue(now, leaseUntil, limit): Promise<ClaimedMessage[]> {
      const { rows } = await pool.query<{ id: number; recipient: string; subject: string; body: string; user_id: string; attempts: number }>({
        name: "outbox-claim",
        text: `UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
                WHERE id IN (SELECT id FROM outbox
                              WHERE next_attempt_at <= $2 AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $2)
                              ORDER BY id LIMIT $3
                              FOR UPDATE SKIP LOCKED)
                RETURNING id, recipient, subject, body, user_id, attempts`,
        values: [leaseUntil, now, limit],
      });
      return rows.map(({ user_id, ...row }) => ({ ...row, userId: user_id })).sort((a, b) => a.id - b.id);
    },
    async markSent(id, at) {
      await pool.query({
        name: "outbox-sent",
        // Sent, or given up (below): a secret in the body has done its work either way.
        text: `UPDATE outbox SET sent_at = $1, next_attempt_at = NULL, claimed_until = NULL, error = NULL, ${redacted} WHERE id = $2`,
        values: [at, id],
      });
    },
    async markFailed(id, error, retryAt) {
      if (retryAt === null) {
        await pool.query({
          name: "outbox-given-up",
          text: `UPDATE outbox SET error = $1, next_attempt_at = NULL, claimed_until = NULL, ${redacted} WHERE id = $2`,
          values: [error.slice(0, 500), id],
        });
        return;
      }
      await pool.query({
        name: "outbox-failed",
        text: "UPDATE outbox SET error = $1, next_attempt_at = $2, claimed_until = NULL WHERE id = $3",
        values: [error.slice(0, 500), retryAt, id],
      });
    },
    async isSent(id) {
      const { rows } = await pool.query<{ sent: boolean }>({ name: "outbox-is-sent", text: "SELECT sent_at IS NOT NULL AS sent FROM outbox WHERE id = $1", values: [id] });
      return rows[0]?.sent ?? false;
    },
  };
}
