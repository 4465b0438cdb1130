import cluster, { type Worker } from "node:cluster";
import { createApp } from "./app.js";
import { loadConfig, type Config } from "./config.js";
import { describeDatabase, openConfiguredStore } from "./database.js";
import { createLogger } from "./logger.js";
import { databaseFailure, listenFailure, startupFailureLine } from "./startup-failure.js";

/**
 * Start-up: everything comes from environment variables (see server/config.ts and the README).
 * With WEB_CONCURRENCY=N above 1, a primary process forks N workers that share the port and the
 * database; sessions, rate-limit counters and the app's secret all live there, so a change made
 * through one worker holds in all of them (and, on PostgreSQL, in every other instance).
 *
 * SIGTERM or SIGINT shuts down gracefully: no new connections, the requests in flight finish
 * (within SHUTDOWN_TIMEOUT_SECONDS), then the process exits 0.
 *
 * A start-up that cannot work (a bad option, a busy port, an unusable database) stops with exit
 * code 1 and one line naming the variable to change (server/startup-failure.ts), workers included.
 */
async function main() {
  const config = loadConfig();
  // Migrate once here: before the workers start, so they do not all race to do it, and alone so
  // that an unusable DATABASE_PATH or DATABASE_URL is told in one plain line.
  if (cluster.isPrimary) await prepareDatabase(config);
  if (config.webConcurrency > 1 && cluster.isPrimary) return runPrimary(config);

  const app = await createApp();
  const url = await app.listen().catch((error: unknown) => {
    throw listenFailure(error, app.config);
  });
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

async function prepareDatabase(config: Config) {
  try {
    await (await openConfiguredStore(config, createLogger(config.logLevel))).close();
  } catch (error) {
    throw databaseFailure(error, config);
  }
}

/** What a worker that cannot start tells the primary, which says it once for all of them. */
type StartupFailureMessage = { startupFailure: string };

function isStartupFailureMessage(message: unknown): message is StartupFailureMessage {
  return typeof (message as StartupFailureMessage | null)?.startupFailure === "string";
}

/** Milliseconds the primary waits for the line of a worker that ended before it could listen. */
const failedWorkerLineWaitMs = 500;

function runPrimary(config: Config) {
  let stopping = false;
  let announced = false;
  const workers = new Set<Worker>();
  const listened = new WeakSet<Worker>();
  const fork = () => workers.add(cluster.fork());
  for (let index = 0; index < config.webConcurrency; index++) fork();

  // A worker that cannot start (a busy port, a broken database) would fail the same way each
  // time it was replaced: the whole process stops instead, with that worker's one line, exit 1.
  let failed = false;
  const stopAfterFailedStart = (line: string) => {
    if (failed) return;
    failed = true;
    stopping = true;
    console.error(line);
    for (const worker of workers) worker.process.kill("SIGKILL");
    process.exit(1);
  };
  cluster.on("message", (_worker, message: unknown) => {
    if (isStartupFailureMessage(message)) stopAfterFailedStart(message.startupFailure);
  });

  cluster.on("listening", (worker, address) => {
    listened.add(worker);
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
    if (!listened.has(worker)) {
      // Its own line, sent just before it ended, may still be on its way.
      const line = `Cannot start: a worker ended (${signal ?? code}) before it could listen`;
      setTimeout(() => stopAfterFailedStart(line), failedWorkerLineWaitMs);
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
  // A problem the operator can fix is one line naming the variable; anything else is a bug, with its stack.
  const line = startupFailureLine(error);
  if (line !== null && cluster.isWorker && process.send) {
    process.send({ startupFailure: line } satisfies StartupFailureMessage, () => process.exit(1));
    return;
  }
  console.error(line ?? error);
  process.exit(1);
});
