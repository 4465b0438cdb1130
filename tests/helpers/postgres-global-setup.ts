import type { TestProject } from "vitest/node";
import { startCluster } from "./postgres-cluster.js";

/**
 * vitest globalSetup: one PostgreSQL server for the whole run of a project whose env says
 * `TEST_BACKEND=postgres` — `TEST_DATABASE_URL` if given (e.g. a CI service container), else a
 * throwaway cluster. Test files read its URL with `inject("postgresUrl")` (null on SQLite) and make
 * a database of their own on it with `createTestDatabase` (tests/helpers/test-databases.ts).
 */

declare module "vitest" {
  export interface ProvidedContext {
    /** A server URL (on its `postgres` database) to create test databases on; null when the project runs on SQLite. */
    postgresUrl: string | null;
  }
}

export default async function setup({ config, provide }: TestProject) {
  // The project's `test.env` is what its test files see; globalSetup runs in vitest's own process,
  // where that env is not applied, so ask the project, then the shell.
  const backend = config.env.TEST_BACKEND ?? process.env.TEST_BACKEND;
  if (backend !== "postgres") {
    provide("postgresUrl", null);
    return;
  }
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    provide("postgresUrl", external);
    return;
  }
  const cluster = await startCluster();
  provide("postgresUrl", cluster.url);
  return () => cluster.destroy();
}
