import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Each file starts its own server on its own SQLite file; two cores, two files at a time.
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: "production" },
    reporters: ["default", "./tests/helpers/summary-reporter.ts"],
  },
});
