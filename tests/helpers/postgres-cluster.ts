import { execFile, execFileSync, spawn } from "node:child_process";
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";

/**
 * A throwaway PostgreSQL cluster: `initdb` into a fresh temp folder, started with `pg_ctl` on a
 * free port of 127.0.0.1, durability switched off (nothing here outlives the test run). `stop` and
 * `start` keep the port and the data, so a test can take the server away under traffic and bring
 * it back; `destroy` stops it and deletes the folder.
 */

export type Cluster = {
  /** postgres://postgres@127.0.0.1:PORT/postgres — no password: the cluster trusts local connections. */
  url: string;
  port: number;
  /** "fast" disconnects clients and shuts down cleanly; "immediate" is a crash (recovery on next start). */
  stop: (mode?: "fast" | "immediate") => Promise<void>;
  /** Starts a stopped cluster again on the same port with the same data. */
  start: () => Promise<void>;
  /** Stops the cluster if it runs and deletes its folder. Safe to call twice. */
  destroy: () => Promise<void>;
};

export type ClusterOptions = {
  /** Extra server settings (`-c name=value`), over the defaults below. */
  settings?: Record<string, string | number>;
};

const run = promisify(execFile);

// The machine's default version first (Debian's layout), then whatever pg_config or PATH knows.
const preferredBinDir = "/usr/lib/postgresql/15/bin";
const needed = ["initdb", "pg_ctl", "postgres"];

// Throwaway data: nothing is ever forced to disk, no full-page images. Enough connections for
// every test file's pool at once.
const defaultSettings: Record<string, string | number> = {
  listen_addresses: "127.0.0.1",
  fsync: "off",
  full_page_writes: "off",
  // Deliberately on. With fsync off a commit only write()s the WAL to the page cache, so "off"
  // saves nothing (measured: no faster); but with "off" the WAL waits in shared memory and
  // stop("immediate") throws away every commit of the last moments (measured: 10 of 10 lost),
  // which a recovery test would mistake for a bug in the app.
  synchronous_commit: "on",
  max_connections: 300,
};

// pg_ctl waits (-w) at most this long for the server to accept or refuse connections. Generous:
// it bounds a hung start on a busy two-core machine, it does not measure speed.
const pgCtlTimeoutSeconds = 120;
const portAttempts = 5;

function hasBinaries(dir: string): boolean {
  return needed.every((name) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function pgConfigBinDir(): string | undefined {
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

let binDirCache: string | null | undefined;
function findBinDir(): string | null {
  if (binDirCache !== undefined) return binDirCache;
  const fromPath = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const candidates = [preferredBinDir, pgConfigBinDir(), ...fromPath];
  binDirCache = candidates.find((dir): dir is string => dir !== undefined && hasBinaries(dir)) ?? null;
  return binDirCache;
}

// initdb and postgres refuse to run as root; as root we run them as the `postgres` OS user.
const asRoot = process.getuid?.() === 0;

type OsUser = { uid: number; gid: number };
function postgresOsUser(): OsUser | null {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return null;
  }
}

/** True when a cluster can be started here: the binaries exist and, as root, so does the postgres user. */
export function postgresAvailable(): boolean {
  return findBinDir() !== null && (!asRoot || postgresOsUser() !== null);
}

/** Every folder from `dir` up to `/` can be entered by other users (needed for the postgres user). */
function traversableByOthers(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}

/** A 0700 folder owned by whoever runs the server; under /tmp if the usual temp dir is closed to it. */
function clusterFolder(owner: OsUser | null): string {
  const base = owner === null || traversableByOthers(tmpdir()) ? tmpdir() : "/tmp";
  const path = mkdtempSync(join(base, "pgtest-"));
  if (owner !== null) chownSync(path, owner.uid, owner.gid);
  return path;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port from listen(0)"))));
    });
  });
}

// pg_ctl hands -o to /bin/sh (and the watchdog is a shell script), so every value is single-quoted.
const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * pg_ctl detaches the server from us, so nothing ends it when the process that started it does:
 * a Ctrl-C, a crash, a worker vitest kills, a forgotten afterAll. A detached shell looks once a
 * second whether `ownerPid` is still there and, once it is not, stops the server and deletes the
 * folder (a few tries: initdb may still be writing into it). An "exit" listener would not do:
 * signals skip it, and in vitest's process it never runs after Ctrl-C (vitest's own listener
 * exits on the spot). Kill the returned process once the cluster is destroyed.
 */
function cleanUpAfter(ownerPid: number, folder: string, pidFile: string, stopServer: [string, string[]]) {
  const [file, args] = stopServer;
  const stop = [file, ...args].map(shellQuote).join(" ");
  const script = [
    `while kill -0 ${ownerPid} 2>/dev/null; do sleep 1; done`,
    `[ -e ${shellQuote(pidFile)} ] && ${stop} >/dev/null 2>&1`,
    `for try in 1 2 3 4 5; do rm -rf ${shellQuote(folder)} 2>/dev/null; [ -e ${shellQuote(folder)} ] || break; sleep 1; done`,
  ].join("\n");
  // cwd "/": the postgres user may not be allowed into ours, and the shell should hold no folder.
  const child = spawn("/bin/sh", ["-c", script], { cwd: "/", detached: true, stdio: "ignore" });
  child.unref();
  return child;
}

/** Starts a fresh cluster. Throws with the tail of the server log if it cannot. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const binDir = findBinDir();
  if (binDir === null) throw new Error(`PostgreSQL binaries (${needed.join(", ")}) not found in ${preferredBinDir}, pg_config --bindir or PATH`);
  const owner = asRoot ? postgresOsUser() : null;
  if (asRoot && owner === null) throw new Error("running as root, but there is no `postgres` OS user to run the server as");

  const root = clusterFolder(owner);
  const dataDir = join(root, "data");
  const logFile = join(root, "log");
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", join(binDir, tool), ...args]] : [join(binDir, tool), args];
  // cwd is the cluster's folder: the postgres user may not be allowed into ours.
  const tool = (name: string, args: string[]) => run(...command(name, args), { cwd: root, encoding: "utf8" });

  const logSince = (offset: number) => (existsSync(logFile) ? readFileSync(logFile, "utf8").slice(offset) : "");
  const logSize = () => (existsSync(logFile) ? statSync(logFile).size : 0);
  const failure = (what: string, error: unknown, log: string) =>
    new Error(`${what} in ${root} failed: ${error instanceof Error ? error.message.trim() : String(error)}\n--- server log ---\n${log.trim().slice(-4000)}`, { cause: error });

  let port = 0;
  let running = false;
  const pgCtlStart = async () => {
    const settings = { ...defaultSettings, ...options.settings, port, unix_socket_directories: root };
    const serverArgs = Object.entries(settings).map(([name, value]) => `-c ${name}=${shellQuote(String(value))}`).join(" ");
    const offset = logSize();
    try {
      await tool("pg_ctl", ["start", "-w", "-t", String(pgCtlTimeoutSeconds), "-D", dataDir, "-l", logFile, "-o", serverArgs]);
      running = true;
    } catch (error) {
      throw failure(`pg_ctl start on port ${port}`, error, logSince(offset));
    }
  };

  const pidFile = join(dataDir, "postmaster.pid");
  const watchdog = cleanUpAfter(process.pid, root, pidFile, command("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate"]));
  // Stops whatever server runs on the folder, then deletes it. The pid file says whether one runs,
  // not `running`: a start that timed out may still have left a server behind.
  const destroy = async () => {
    if (existsSync(pidFile)) await tool("pg_ctl", ["stop", "-w", "-t", String(pgCtlTimeoutSeconds), "-D", dataDir, "-m", "immediate"]);
    running = false;
    watchdog.kill();
    rmSync(root, { recursive: true, force: true });
  };

  try {
    await tool("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C", "--no-instructions"]);
    // The port is free when we look, but another process can take it before the server binds it.
    for (let attempt = 1; !running; attempt++) {
      port = await freePort();
      try {
        await pgCtlStart();
      } catch (error) {
        const taken = error instanceof Error && /Address already in use/i.test(error.message);
        if (!taken || attempt === portAttempts) throw error;
      }
    }
  } catch (error) {
    // The start's error is the one worth reporting; if this cleanup fails too, the watchdog retries.
    await destroy().catch(() => {});
    throw error;
  }

  const stop = async (mode: "fast" | "immediate" = "fast") => {
    if (!running) return;
    const offset = logSize();
    try {
      await tool("pg_ctl", ["stop", "-w", "-t", String(pgCtlTimeoutSeconds), "-D", dataDir, "-m", mode]);
    } catch (error) {
      throw failure(`pg_ctl stop -m ${mode}`, error, logSince(offset));
    }
    running = false;
  };

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start: async () => {
      if (!running) await pgCtlStart();
    },
    destroy,
  };
}
