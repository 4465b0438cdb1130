import { openPostgresStore } from "./postgres/store.js";
import { openSqliteStore } from "./sqlite/store.js";
import type { Store } from "./store.js";

export type StoreOptions = {
  /** postgres://… selects PostgreSQL; without it the app keeps its SQLite file. */
  databaseUrl?: string;
  databasePath: string;
  poolMax: number;
  statementTimeoutMs: number;
  onIdleError(error: Error): void;
};

export function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    return openPostgresStore({
      url: options.databaseUrl,
      max: options.poolMax,
      statementTimeoutMs: options.statementTimeoutMs,
      onIdleError: options.onIdleError,
    });
  }
  return Promise.resolve(openSqliteStore(options.databasePath));
}
