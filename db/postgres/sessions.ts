import type { LiveSession, SessionRow, SessionStore } from "../store.js";
import type { PgClient, PgPool } from "./pool.js";

type Queryable = Pick<PgClient, "query">;

export async function insertSessionRow(client: Queryable, session: SessionRow): Promise<void> {
  await client.query({
    name: "session-insert",
    text: `INSERT INTO session (id, expires_at, user_id, created_at, credential_version, user_agent, ip, last_seen_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    values: [
      session.id,
      session.expiresAt,
      session.userId,
      session.createdAt,
      session.credentialVersion,
      session.userAgent ?? null,
      session.ip ?? null,
      session.lastSeenAt ?? null,
    ],
  });
}

type SessionWithUserRow = {
  id: string;
  user_id: string;
  expires_at: Date;
  created_at: number;
  credential_version: number;
  last_seen_at: number | null;
  username: string;
  email: string;
  current: boolean;
};

type LiveSessionRow = {
  id: string;
  created_at: number;
  last_seen_at: number | null;
  user_agent: string | null;
  ip: string | null;
  expires_at: Date;
};

export function createPostgresSessions(pool: PgPool): SessionStore {
  return {
    async findWithUser(id) {
      const { rows } = await pool.query<SessionWithUserRow>({
        name: "session-with-user",
        text: `SELECT session.id, session.user_id, session.expires_at, session.created_at, session.credential_version, session.last_seen_at,
                      "user".username, "user".email, session.credential_version = "user".credential_version AS current
                 FROM session JOIN "user" ON "user".id = session.user_id
                WHERE session.id = $1`,
        values: [id],
      });
      const row = rows[0];
      if (!row) return undefined;
      return {
        id: row.id,
        userId: row.user_id,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
        credentialVersion: row.credential_version,
        username: row.username,
        email: row.email,
        current: row.current,
        lastSeenAt: row.last_seen_at,
      };
    },
    async insert(session) {
      await insertSessionRow(pool, session);
    },
    async listLive(userId, now): Promise<LiveSession[]> {
      // The user's row decides which version is current, as in the lookup above.
      const { rows } = await pool.query<LiveSessionRow>({
        name: "session-list-live",
        text: `SELECT session.id, session.created_at, session.last_seen_at, session.user_agent, session.ip, session.expires_at
                 FROM session JOIN "user" ON "user".id = session.user_id
                WHERE session.user_id = $1 AND session.credential_version = "user".credential_version AND session.expires_at > $2
                ORDER BY coalesce(session.last_seen_at, session.created_at) DESC, session.id`,
        values: [userId, now],
      });
      return rows.map((row) => ({
        id: row.id,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        userAgent: row.user_agent,
        ip: row.ip,
        expiresAt: row.expires_at,
      }));
    },
    async deleteOwned(userId, id) {
      const deleted = await pool.query({ name: "session-delete-owned", text: "DELETE FROM session WHERE id = $1 AND user_id = $2", values: [id, userId] });
      return (deleted.rowCount ?? 0) > 0;
    },
    async deleteOthers(userId, keepId, now) {
      const { rows } = await pool.query<{ live: boolean }>({
        name: "session-delete-others",
        text: `DELETE FROM session WHERE user_id = $1 AND id != $2
               RETURNING (credential_version = (SELECT credential_version FROM "user" WHERE id = $1) AND expires_at > $3) AS live`,
        values: [userId, keepId, now],
      });
      return rows.filter((row) => row.live).length;
    },
    async touch(id, at, staleBefore) {
      const touched = await pool.query({
        name: "session-touch",
        text: "UPDATE session SET last_seen_at = $1 WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < $3)",
        values: [at, id, staleBefore],
      });
      return (touched.rowCount ?? 0) > 0;
    },
  };
}
