import { retryWhileBusy } from "./busy.js";
import type { Db } from "./database.js";

export type OutboxMessage = { userId: string; recipient: string; subject: string; body: string; createdAt: number };

export function createOutboxQueries(db: Db) {
  const insert = db.prepare(
    "INSERT INTO outbox (user_id, recipient, subject, body, created_at) VALUES (@userId, @recipient, @subject, @body, @createdAt)",
  );
  const markSent = db.prepare<[number, number]>("UPDATE outbox SET sent_at = ? WHERE id = ?");
  const markFailed = db.prepare<[string, number]>("UPDATE outbox SET error = ? WHERE id = ?");
  return {
    async add(message: OutboxMessage): Promise<number> {
      return retryWhileBusy(() => Number(insert.run(message).lastInsertRowid));
    },
    async markSent(id: number, at: number): Promise<void> {
      await retryWhileBusy(() => markSent.run(at, id));
    },
    async markFailed(id: number, error: string): Promise<void> {
      await retryWhileBusy(() => markFailed.run(error.slice(0, 500), id));
    },
  };
}

export type OutboxQueries = ReturnType<typeof createOutboxQueries>;
