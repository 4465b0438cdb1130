import { setTimeout as sleep } from "node:timers/promises";

/**
 * Waiting for another connection's write lock without blocking the event loop. SQLite's own busy
 * timeout waits synchronously: while one request waited for the lock, the whole process stood
 * still (a plain page took 6 s) and then failed with a 500. Here SQLite gives up at once
 * (busy_timeout 0, see database.ts) and the work is retried after short asynchronous pauses,
 * so every other request goes on meanwhile; past the budget the caller gets DatabaseBusyError,
 * which every door answers with 503 and Retry-After.
 */

/** How long one piece of work waits for the lock in all, like the busy timeout it replaces. */
export const busyBudgetMs = 5_000;

export class DatabaseBusyError extends Error {
  override name = "DatabaseBusyError";
  constructor() {
    super(`The database stayed locked by another connection for more than ${busyBudgetMs} ms.`);
  }
}

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, ...): another connection holds the lock. */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/**
 * Runs `work` (synchronous statements or a whole transaction, which SQLite rolls back when it
 * cannot get the lock, so a retry starts clean), retrying while the database is busy.
 */
export async function retryWhileBusy<T>(work: () => T | Promise<T>, budgetMs = busyBudgetMs): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let pause = 2;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      if (Date.now() + pause > deadline) throw new DatabaseBusyError();
      await sleep(pause);
      pause = Math.min(pause * 2, 50);
    }
  }
}
