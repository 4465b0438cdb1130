import { openStore } from "../db/open-store.js";
import type { Store } from "../db/store.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

/** The store the configuration names: PostgreSQL with DATABASE_URL, the SQLite file otherwise. */
export function openConfiguredStore(config: Config, logger: Pick<Logger, "warn">): Promise<Store> {
  return openStore({
    databaseUrl: config.databaseUrl,
    databasePath: config.databasePath,
    poolMax: config.databasePoolMax,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    onIdleError: (error) =>
      logger.warn({ event: "database_connection_lost", err: error }, "an idle database connection broke; it will be replaced"),
  });
}

/** Where the data lives, for a start-up line: never the URL's password. */
export function describeDatabase(config: Pick<Config, "databaseUrl" | "databasePath">): string {
  if (!config.databaseUrl) return config.databasePath;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
}
