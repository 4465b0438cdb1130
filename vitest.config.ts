import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Each file starts its own server on its own SQLite file; two cores, two files at a time.
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
    // Generous on purpose: these bound a hung test, they do not measure speed. A busy two-core
    // machine can run a browser journey several times slower than a quiet one.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    env: { NODE_ENV: "production" },
    reporters: ["default", "./tests/helpers/summary-reporter.ts"],
  },
});
