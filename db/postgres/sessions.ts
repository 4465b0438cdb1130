import type { SessionRow, SessionStore } from "../store.js";
import type { PgClient, PgPool } from "./pool.js";

type Queryable = Pick<PgClient, "query">;

export async function insertSessionRow(client: Queryable, session: SessionRow): Promise<void> {
  await client.query({
    name: "session-insert",
    text: "INSERT INTO session (id, expires_at, user_id, created_at, credential_version) VALUES ($1, $2, $3, $4, $5)",
    values: [session.id, session.expiresAt, session.userId, session.createdAt, session.credentialVersion],
  });
}

type SessionWithUserRow = {
  id: string;
  user_id: string;
  expires_at: Date;
  created_at: number;
  credential_version: number;
  username: string;
  email: string;
  current: boolean;
};

export function createPostgresSessions(pool: PgPool): SessionStore {
  return {
    async findWithUser(id) {
      const { rows } = await pool.query<SessionWithUserRow>({
        name: "session-with-user",
        text: `SELECT session.id, session.user_id, session.expires_at, session.created_at, session.credential_version,
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
      };
    },
    async insert(session) {
      await insertSessionRow(pool, session);
    },
  };
}
