import cluster, { type Worker } from "node:cluster";
import { createApp } from "./app.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { describeDatabase, openConfiguredStore } from "./database.js";
import { createLogger } from "./logger.js";

/**
 * Start-up: everything comes from environment variables (see server/config.ts and the README).
 * With WEB_CONCURRENCY=N above 1, a primary process forks N workers that share the port and the
 * database; sessions, rate-limit counters and the app's secret all live there, so a change made
 * through one worker holds in all of them (and, on PostgreSQL, in every other instance).
 *
 * SIGTERM or SIGINT shuts down gracefully: no new connections, the requests in flight finish
 * (within SHUTDOWN_TIMEOUT_SECONDS), then the process exits 0.
 */
async function main() {
  const config = loadConfig();
  if (config.webConcurrency > 1 && cluster.isPrimary) return runPrimary(config);

  const app = await createApp();
  const url = await app.listen();
  if (cluster.isPrimary) {
    console.log(`Change-password demo listening on ${url} (database: ${describeDatabase(app.config)})`);
  }
  onShutdownSignal(() => {
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

/** Seconds the primary gives its workers beyond their own shutdown timeout before it kills them. */
const workerExitMarginSeconds = 10;

async function runPrimary(config: Config) {
  // Migrate once here, so the workers do not all race to do it.
  await (await openConfiguredStore(config, createLogger(config.logLevel))).close();
  let stopping = false;
  let announced = false;
  const workers = new Set<Worker>();
  const fork = () => workers.add(cluster.fork());
  for (let index = 0; index < config.webConcurrency; index++) fork();
  cluster.on("listening", (_worker, address) => {
    if (announced) return;
    announced = true;
    const host = !address.address || address.address === "::" || address.address === "0.0.0.0" ? "localhost" : address.address;
    console.log(
      `Change-password demo listening on http://${host}:${address.port} (${config.webConcurrency} workers, database: ${describeDatabase(config)})`,
    );
  });
  cluster.on("exit", (worker, code, signal) => {
    workers.delete(worker);
    if (stopping) {
      // Shutting down: a worker that is done stays done, and the last one out ends the primary.
      if (workers.size === 0) process.exit(0);
      return;
    }
    console.error(`worker ${worker.process.pid} ended (${signal ?? code}); starting another`);
    fork();
  });
  onShutdownSignal((signal) => {
    stopping = true;
    if (workers.size === 0) process.exit(0);
    // The signal itself, straight to each worker's process, which drains on its own (server/app.ts).
    // Not worker.kill(): that first disconnects the worker, and cluster's disconnect waits for
    // every keep-alive connection to time out before the signal is even sent.
    for (const worker of workers) worker.process.kill(signal);
    setTimeout(
      () => {
        console.error(`workers still running ${config.shutdownTimeoutSeconds + workerExitMarginSeconds} s after ${signal}; killing them`);
        for (const worker of workers) worker.process.kill("SIGKILL");
        process.exit(1);
      },
      (config.shutdownTimeoutSeconds + workerExitMarginSeconds) * 1000,
    ).unref();
  });
}

/**
 * Runs `stop` once, on the first SIGTERM or SIGINT; later ones are ignored while it works (a hard
 * stop is SIGKILL, or the timeout). Not "a second Ctrl-C forces": Ctrl-C signals every process of
 * the group, and the primary forwards the signal as well, so each worker gets it twice.
 */
function onShutdownSignal(stop: (signal: NodeJS.Signals) => void) {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop(signal);
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
