import { retryWhileBusy } from "./busy.js";
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
  return {
    async insert(event: AuthEventRow): Promise<void> {
      await retryWhileBusy(() => insert.run(event));
    },
  };
}

export type AuthEventQueries = ReturnType<typeof createAuthEventQueries>;
