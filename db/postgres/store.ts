import type { Store } from "../store.js";
import { createPendingMigrations, migratePostgres } from "./migrate.js";
import { createPostgresOutbox } from "./outbox.js";
import { createPostgresPasswordResets } from "./password-resets.js";
import { createPool, type PoolOptions } from "./pool.js";
import { createPostgresSessions } from "./sessions.js";
import { createPostgresAuthEvents, createPostgresSettings } from "./small-stores.js";
import { createPostgresUsers } from "./users.js";

/** PostgreSQL, for several instances on one database: migrated (once, under a lock) before use. */
export async function openPostgresStore(options: PoolOptions): Promise<Store> {
  const pool = createPool(options);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const pending = createPendingMigrations(pool);
  let closed: Promise<void> | undefined;
  return {
    dialect: "postgres",
    driver: { dialect: "postgres", pool },
    users: createPostgresUsers(pool),
    sessions: createPostgresSessions(pool),
    outbox: createPostgresOutbox(pool),
    passwordResets: createPostgresPasswordResets(pool),
    authEvents: createPostgresAuthEvents(pool),
    settings: createPostgresSettings(pool),
    pendingMigrations: pending,
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}
