import { defineConfig, type TestProjectConfiguration } from "vitest/config";
import { postgresAvailable } from "./tests/helpers/postgres-cluster.js";

// The same test files run once per store: `sqlite` (a file per test, as always) and `postgres` (a
// throwaway cluster, or TEST_DATABASE_URL, started by the global setup). Pick one with
// `--project sqlite` / `--project postgres`. Each project's env says which store it is, so a
// TEST_BACKEND exported in the shell cannot make the sqlite project run on PostgreSQL.
const globalSetup = ["./tests/helpers/postgres-global-setup.ts"];
const projects: TestProjectConfiguration[] = [
  { extends: true, test: { name: "sqlite", env: { TEST_BACKEND: "sqlite" }, globalSetup } },
];
if (postgresAvailable() || process.env.TEST_DATABASE_URL) {
  projects.push({ extends: true, test: { name: "postgres", env: { TEST_BACKEND: "postgres" }, globalSetup } });
} else {
  console.log(
    "PostgreSQL tests skipped: no initdb/pg_ctl/postgres in /usr/lib/postgresql/15/bin, pg_config --bindir or PATH " +
      "(or, as root, no postgres user), and TEST_DATABASE_URL is not set",
  );
}

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Each file starts its own server on its own database; two cores, two files at a time. The
    // workers are shared by both projects, so this is the total across them.
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
    // Generous on purpose: these bound a hung test, they do not measure speed. A busy two-core
    // machine can run a browser journey several times slower than a quiet one.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    env: { NODE_ENV: "production" },
    reporters: ["default", "./tests/helpers/summary-reporter.ts"],
    // Each project inherits everything above (extends: true) and adds its name, store and setup.
    projects,
  },
});
