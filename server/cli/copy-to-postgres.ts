/**
 * `npm run copy-to-postgres`: copies the SQLite database at DATABASE_PATH into the (empty)
 * PostgreSQL database at DATABASE_URL: users with their password hashes, live sessions, the app's
 * secret, rate-limit counters, the audit trail, the outbox and unused password-reset links. Nobody is signed out. Run it while
 * the app is stopped, then start the app with DATABASE_URL set.
 */
import { copySqliteToPostgres } from "../../db/copy-to-postgres.js";
import { ConfigError, loadConfig } from "../config.js";
import { openConfiguredStore } from "../database.js";
import { createLogger } from "../logger.js";

async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error("DATABASE_URL is not set: it names the PostgreSQL database to copy into (DATABASE_PATH names the SQLite file).");
    return 2;
  }
  const logger = createLogger("warn", process.stderr);
  // Both opened through the app's own stores, so each is migrated to the schema this code expects.
  const source = await openConfiguredStore({ ...config, databaseUrl: undefined }, logger);
  try {
    const target = await openConfiguredStore(config, logger);
    try {
      if (source.driver.dialect !== "sqlite" || target.driver.dialect !== "postgres") throw new Error("unexpected store dialects");
      const result = await copySqliteToPostgres(source.driver.db, target.driver.pool);
      if (!result.ok) {
        console.error("The PostgreSQL database already has users or sessions. Nothing was copied: use an empty database.");
        return 1;
      }
      const { counts } = result;
      console.log(
        `Copied ${config.databasePath} into PostgreSQL: ${counts.user} users, ${counts.session} live sessions, ` +
          `${counts.app_setting} settings, ${counts.rate_limit} rate-limit counters, ${counts.auth_event} audit events, ${counts.outbox} outbox messages, ` +
          `${counts.password_reset} password-reset links.`,
      );
      return 0;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
