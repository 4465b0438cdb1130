import { join } from "node:path";
import { inject } from "vitest";
import { createTestDatabase } from "./test-databases.js";
import { tempDir } from "./temp.js";

/**
 * Which store this run of the suite tests: the `sqlite` project gives every server a file of its
 * own, the `postgres` project a database of its own on the harness's cluster (or TEST_DATABASE_URL).
 */
export const postgresUrl: string | null = inject("postgresUrl") ?? null;
export const backend: "sqlite" | "postgres" = postgresUrl ? "postgres" : "sqlite";

export type FreshDatabase = {
  /** For `createApp(...)`. */
  options: { databasePath: string; databaseUrl?: string };
  /** The same for a spawned process's environment. */
  env: { DATABASE_PATH: string; DATABASE_URL?: string };
  /** Removes the file or drops the database. */
  remove(): Promise<void>;
};

/** The environment variables that point a spawned process at `database`. */
export function databaseEnv(database: { databasePath: string; databaseUrl?: string }): Record<string, string> {
  return database.databaseUrl ? { DATABASE_PATH: database.databasePath, DATABASE_URL: database.databaseUrl } : { DATABASE_PATH: database.databasePath };
}

/** An empty database on this run's backend (a SQLite file in a temp folder, or a new PostgreSQL database). */
export async function freshDatabase(name = "app.db"): Promise<FreshDatabase> {
  const dir = tempDir();
  const databasePath = join(dir.path, name);
  if (!postgresUrl) {
    return { options: { databasePath }, env: { DATABASE_PATH: databasePath }, remove: async () => dir.remove() };
  }
  const database = await createTestDatabase(postgresUrl);
  return {
    options: { databasePath, databaseUrl: database.url },
    env: { DATABASE_PATH: databasePath, DATABASE_URL: database.url },
    async remove() {
      await database.drop();
      dir.remove();
    },
  };
}
