import { migrationVersions, readMigrations } from "../migration-files.js";
import type { PgPool } from "./pool.js";

/** Any fixed number: the key of the session-level advisory lock that instances migrate under. */
const migrationLockKey = 7_315_902_114;

/**
 * Applies each numbered migration once, recording it. Instances that start together on an empty
 * database take turns on an advisory lock: the first migrates, the others wait for it and then
 * find nothing left to do. Each migration runs in its own transaction.
 */
export async function migratePostgres(pool: PgPool): Promise<number[]> {
  const client = await pool.connect();
  try {
    // Waiting for another instance's migration is not a slow statement: no timeout while migrating.
    await client.query("SET statement_timeout = 0");
    await client.query("SELECT pg_advisory_lock($1)", [migrationLockKey]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migration (
        version INTEGER NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`);
      const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migration");
      const done = new Set(rows.map((row) => row.version));
      const applied: number[] = [];
      for (const migration of readMigrations("postgres")) {
        if (done.has(migration.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query("INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, $3)", [
            migration.version,
            migration.name,
            Date.now(),
          ]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
        applied.push(migration.version);
      }
      return applied;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [migrationLockKey]);
    }
  } finally {
    await client.query("RESET statement_timeout").catch(() => {});
    client.release();
  }
}

/** For the readiness probe: the shipped migrations the database has not recorded. */
export function createPendingMigrations(pool: PgPool): () => Promise<number[]> {
  const known = migrationVersions("postgres");
  return async () => {
    const { rows } = await pool.query<{ version: number }>({ name: "pending-migrations", text: "SELECT version FROM schema_migration" });
    const applied = new Set(rows.map((row) => row.version));
    return known.filter((version) => !applied.has(version));
  };
}
