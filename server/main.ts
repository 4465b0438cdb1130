import cluster from "node:cluster";
import { openDatabase } from "../db/database.js";
import { createApp } from "./app.js";
import { ConfigError, loadConfig, type Config } from "./config.js";

/**
 * Start-up: everything comes from environment variables (see server/config.ts and the README).
 * With WEB_CONCURRENCY=N above 1, a primary process forks N workers that share the port and the
 * SQLite file; sessions, rate-limit counters and form-token secret all live in that file, so a
 * change made through one worker holds in all of them.
 */
async function main() {
  const config = loadConfig();
  if (config.webConcurrency > 1 && cluster.isPrimary) return runPrimary(config);

  const app = await createApp();
  const url = await app.listen();
  if (cluster.isPrimary) {
    console.log(`Change-password demo listening on ${url} (database: ${app.config.databasePath})`);
  }
  const stop = () => {
    app.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function runPrimary(config: Config) {
  // Migrate once here, so the workers do not all race to do it.
  openDatabase(config.databasePath).close();
  let stopping = false;
  let announced = false;
  for (let index = 0; index < config.webConcurrency; index++) cluster.fork();
  cluster.on("listening", (_worker, address) => {
    if (announced) return;
    announced = true;
    const host = !address.address || address.address === "::" || address.address === "0.0.0.0" ? "localhost" : address.address;
    console.log(
      `Change-password demo listening on http://${host}:${address.port} (${config.webConcurrency} workers, database: ${config.databasePath})`,
    );
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} ended (${signal ?? code}); starting another`);
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
