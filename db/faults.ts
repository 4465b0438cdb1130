import { isPostgresUnavailable } from "./postgres/faults.js";
import { DatabaseBusyError } from "./sqlite/busy.js";

/**
 * Whether an error means the database cannot serve right now (SQLite's lock held too long, a
 * PostgreSQL connection refused, cut or timed out), looking through the causes that tRPC and the
 * libraries wrap around it. Every door answers these with 503 and Retry-After, never 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof DatabaseBusyError || isPostgresUnavailable(current)) return true;
  }
  return false;
}
