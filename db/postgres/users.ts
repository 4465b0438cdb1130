import type { InsertUserResult, SetPasswordResult, UserStore } from "../store.js";
import { toUserRecord, userColumns, type UserRow } from "../user-row.js";
import { insertOutboxRow, redactUserSecrets } from "./outbox.js";
import { inTransaction, type PgPool } from "./pool.js";
import { insertSessionRow } from "./sessions.js";

/** The unique indexes of db/migrations/postgres/001_init.sql, by the column they guard. */
const uniqueIndexes: Record<string, "username" | "email"> = { user_username_key: "username", user_email_key: "email" };

export function createPostgresUsers(pool: PgPool): UserStore {
  return {
    async findById(id) {
      const { rows } = await pool.query<UserRow>({ name: "user-by-id", text: `SELECT ${userColumns} FROM "user" WHERE id = $1`, values: [id] });
      return toUserRecord(rows[0]);
    },
    async findByUsername(username) {
      if (holdsNul(username)) return undefined;
      const { rows } = await pool.query<UserRow>({
        name: "user-by-username",
        text: `SELECT ${userColumns} FROM "user" WHERE lower(username) = lower($1)`,
        values: [username],
      });
      return toUserRecord(rows[0]);
    },
    async findByEmail(email) {
      if (holdsNul(email)) return undefined;
      const { rows } = await pool.query<UserRow>({
        name: "user-by-email",
        text: `SELECT ${userColumns} FROM "user" WHERE lower(email) = lower($1)`,
        values: [email],
      });
      return toUserRecord(rows[0]);
    },
    async insert(user): Promise<InsertUserResult> {
      try {
        await pool.query({
          name: "user-insert",
          text: `INSERT INTO "user" (id, username, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
          values: [user.id, user.username, user.email, user.passwordHash, user.createdAt],
        });
        return { ok: true };
      } catch (error) {
        const constraint = (error as { code?: unknown; constraint?: unknown }).constraint;
        const taken = (error as { code?: unknown }).code === "23505" && typeof constraint === "string" ? uniqueIndexes[constraint] : undefined;
        if (taken) return { ok: false, taken };
        throw error;
      }
    },
    /**
     * The same transaction as SQLite's. Under READ COMMITTED a second swap waits for the first's
     * row lock, then re-checks its WHERE against the committed row: the hash and version moved on,
     * so it matches nothing and reports `updated: false`. Exactly one winner.
     */
    async setPassword(input): Promise<SetPasswordResult> {
      return inTransaction(pool, async (client): Promise<SetPasswordResult> => {
        const { userId, expected } = input;
        const swapped = await client.query<{ credential_version: number }>({
          name: "user-swap-password",
          text: `UPDATE "user" SET password_hash = $1, password_changed_at = $2, credential_version = credential_version + 1
                  WHERE id = $3 AND password_hash = $4 AND credential_version = $5
                  RETURNING credential_version`,
          values: [input.passwordHash, input.changedAt, userId, expected.passwordHash, expected.credentialVersion],
        });
        const version = swapped.rows[0]?.credential_version;
        if (version === undefined) return { updated: false };
        if (input.passwordResetId !== undefined) {
          // The swap's guard and record in one: used, expired or from another version meanwhile
          // means no row, and the swap is undone (the transaction rolls back).
          const marked = await client.query({
            name: "password-reset-mark-used",
            text: `UPDATE password_reset SET used_at = $1
                    WHERE id = $2 AND user_id = $3 AND credential_version = $4 AND used_at IS NULL AND expires_at > $1`,
            values: [input.changedAt, input.passwordResetId, userId, expected.credentialVersion],
          });
          if ((marked.rowCount ?? 0) === 0) throw new ResetLinkSpent();
        }
        // The user's reset links died with the old version: no e-mail body keeps a live one.
        await redactUserSecrets(client, userId);
        const own = input.ownSessionId;
        const now = new Date(input.changedAt);
        let ownSessionEnded = false;
        let otherSessionsEnded = 0;
        let otherSessionsKept = 0;
        if (input.endSessions === "all") {
          // One statement for every session, this device's included. Live ones are the devices a
          // person would count; expired and void ones go too, uncounted.
          const ended = await client.query<{ id: string; live: boolean }>({
            name: "session-delete-all",
            text: "DELETE FROM session WHERE user_id = $1 RETURNING id, (credential_version = $2 AND expires_at > $3) AS live",
            values: [userId, expected.credentialVersion, now],
          });
          ownSessionEnded = ended.rows.some((row) => row.id === own);
          otherSessionsEnded = ended.rows.filter((row) => row.live && row.id !== own).length;
        } else {
          if (own !== null && input.endSessions === "own") {
            const deleted = await client.query({ name: "session-delete-own", text: "DELETE FROM session WHERE id = $1 AND user_id = $2", values: [own, userId] });
            ownSessionEnded = (deleted.rowCount ?? 0) > 0;
          }
          // Live sessions kept through the change move to the new version (this device's included, unless it ended).
          const kept = await client.query<{ id: string }>({
            name: "session-carry-over",
            text: "UPDATE session SET credential_version = $1 WHERE user_id = $2 AND credential_version = $3 AND expires_at > $4 RETURNING id",
            values: [version, userId, expected.credentialVersion, now],
          });
          otherSessionsKept = kept.rows.filter((row) => row.id !== own).length;
        }
        if (input.newSession) {
          await insertSessionRow(client, { ...input.newSession, userId, createdAt: input.changedAt, credentialVersion: version, lastSeenAt: input.changedAt });
        }
        const noticeId = input.notice ? await insertOutboxRow(client, input.notice) : null;
        return { updated: true, credentialVersion: version, ownSessionEnded, otherSessionsEnded, otherSessionsKept, noticeId };
      }).catch(spentLinkIsNoUpdate);
    },
  };
}

/** PostgreSQL's text cannot hold a NUL byte (it refuses the query): no user's name or address has one. */
function holdsNul(text: string): boolean {
  return text.includes("\u0000");
}

/** Thrown inside the swap's transaction to roll it back: the reset link was no longer good. */
class ResetLinkSpent extends Error {}

function spentLinkIsNoUpdate(error: unknown): SetPasswordResult {
  if (error instanceof ResetLinkSpent) return { updated: false };
  throw error;
}
