import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { postgresAvailable } from "./tests/helpers/postgres-cluster.js";

// The same test files run once per store: `sqlite` (a file per test, as always) and `postgres` (a
// throwaway cluster, or TEST_DATABASE_URL, started by the global setup). Pick one with
// `--project sqlite` / `--project postgres`. Each project's env says which store it is, so a
// TEST_BACKEND exported in the shell cannot make the sqlite project run on PostgreSQL.

const env = { NODE_ENV: "production" } as const;

// Spread into each project rather than `extends: true`, which would evaluate this file again per
// project (and print the line below more than once).
const shared = {
  include: ["tests/**/*.test.ts"],
  // Each file starts its own server on its own database.
  pool: "forks",
  // Generous on purpose: these bound a hung test, they do not measure speed. A busy two-core
  // machine can run a browser journey several times slower than a quiet one.
  testTimeout: 180_000,
  hookTimeout: 180_000,
  // Provides `postgresUrl` to the test files: a server URL in the postgres project, null in sqlite.
  globalSetup: ["./tests/helpers/postgres-global-setup.ts"],
} satisfies TestProjectInlineConfiguration["test"];

const projects: TestProjectInlineConfiguration[] = [{ test: { ...shared, name: "sqlite", env: { ...env, TEST_BACKEND: "sqlite" } } }];
if (postgresAvailable() || process.env.TEST_DATABASE_URL) {
  projects.push({ test: { ...shared, name: "postgres", env: { ...env, TEST_BACKEND: "postgres" } } });
} else {
  console.log(
    "PostgreSQL tests skipped: no initdb/pg_ctl/postgres in /usr/lib/postgresql/15/bin, pg_config --bindir or PATH " +
      "(or, as root, no postgres user), and TEST_DATABASE_URL is not set",
  );
}

export default defineConfig({
  test: {
    projects,
    // One pool of workers for both projects: two cores, two files at a time in all.
    maxWorkers: 2,
    minWorkers: 1,
    // Also here: the workers are started with the root's env (each project's is applied after).
    env,
    reporters: ["default", "./tests/helpers/summary-reporter.ts"],
  },
});
