import type { AuthEventStore } from "../store.js";
import { retryWhileBusy } from "./busy.js";
import type { SqliteDb } from "./database.js";

export function createSqliteAuthEvents(db: SqliteDb): AuthEventStore {
  const insert = db.prepare(
    "INSERT INTO auth_event (type, reason, user_id, ip, user_agent, created_at) VALUES (@type, @reason, @userId, @ip, @userAgent, @createdAt)",
  );
  return {
    async insert(event) {
      await retryWhileBusy(() => insert.run(event));
    },
  };
}
