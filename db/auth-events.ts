import type { Db } from "./database.js";

export type AuthEventRow = {
  type: string;
  reason: string | null;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
};

export function createAuthEventQueries(db: Db) {
  const insert = db.prepare(
    "INSERT INTO auth_event (type, reason, user_id, ip, user_agent, created_at) VALUES (@type, @reason, @userId, @ip, @userAgent, @createdAt)",
  );
  const recent = db.prepare<[number], AuthEventRow>(
    "SELECT type, reason, user_id AS userId, ip, user_agent AS userAgent, created_at AS createdAt FROM auth_event ORDER BY id DESC LIMIT ?",
  );
  return {
    async insert(event: AuthEventRow): Promise<void> {
      insert.run(event);
    },
    async recent(limit: number): Promise<AuthEventRow[]> {
      return recent.all(limit);
    },
  };
}

export type AuthEventQueries = ReturnType<typeof createAuthEventQueries>;
