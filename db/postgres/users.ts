import type { InsertUserResult, SetPasswordResult, UserRecord, UserStore } from "../store.js";
import { insertOutboxRow } from "./outbox.js";
import { inTransaction, type PgPool } from "./pool.js";
import { insertSessionRow } from "./sessions.js";

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

/** The unique indexes of db/migrations/postgres/001_init.sql, by the column they guard. */
const uniqueIndexes: Record<string, "username" | "email"> = { user_username_key: "username", user_email_key: "email" };

export function createPostgresUsers(pool: PgPool): UserStore {
  return {
    async findById(id) {
      const { rows } = await pool.query<UserRow>({ name: "user-by-id", text: `SELECT ${columns} FROM "user" WHERE id = $1`, values: [id] });
      return toRecord(rows[0]);
    },
    async findByUsername(username) {
      const { rows } = await pool.query<UserRow>({
        name: "user-by-username",
        text: `SELECT ${columns} FROM "user" WHERE lower(username) = lower($1)`,
        values: [username],
      });
      return toRecord(rows[0]);
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
      return inTransaction(pool, async (client) => {
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
        const own = input.ownSessionId;
        const now = new Date(input.changedAt);
        let ownSessionEnded = false;
        if (own !== null && input.endSessions !== "none") {
          const deleted = await client.query({ name: "session-delete-own", text: "DELETE FROM session WHERE id = $1 AND user_id = $2", values: [own, userId] });
          ownSessionEnded = (deleted.rowCount ?? 0) > 0;
        }
        let otherSessionsEnded = 0;
        let otherSessionsKept = 0;
        if (input.endSessions === "all") {
          // Live sessions are the devices a person would count; expired and void ones go too, uncounted.
          const ended = await client.query<{ live: boolean }>({
            name: "session-delete-all",
            text: "DELETE FROM session WHERE user_id = $1 RETURNING (credential_version = $2 AND expires_at > $3) AS live",
            values: [userId, expected.credentialVersion, now],
          });
          otherSessionsEnded = ended.rows.filter((row) => row.live).length;
        } else {
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
      });
    },
  };
}
