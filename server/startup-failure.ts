import { ConfigError, type Config } from "./config.js";

/**
 * Start-up problems an operator can fix, each told in one line that names the variable to change
 * (no stack trace: nothing in the code is wrong). Anything not recognised here is a bug, and its
 * stack is worth printing.
 */
export class StartupFailure extends Error {
  override name = "StartupFailure";
  constructor(problem: string) {
    super(`Cannot start: ${problem}`);
  }
}

type SystemError = Error & { code?: string; syscall?: string; address?: string; port?: number; path?: string };

/** The one line for a failure an operator can fix; null for anything else. */
export function startupFailureLine(error: unknown): string | null {
  if (error instanceof ConfigError || error instanceof StartupFailure) return error.message;
  return null;
}

/**
 * Why the server could not listen, naming PORT or HOST (a cluster worker's error comes from
 * `bind`, the primary's socket); any other error is handed back as it is.
 */
export function listenFailure(error: unknown, config: Pick<Config, "port" | "host">): unknown {
  const failure = error as SystemError;
  if (failure?.syscall !== "listen" && failure?.syscall !== "bind") return error;
  const host = config.host?.includes(":") ? `[${config.host}]` : config.host;
  const where = host === undefined ? `port ${config.port}` : `${host}:${config.port}`;
  switch (failure.code) {
    case "EADDRINUSE":
      return new StartupFailure(`PORT (option port): ${where} is already in use; stop what listens there or choose another PORT`);
    case "EACCES":
      return new StartupFailure(`PORT (option port): no permission to listen on ${where} (ports below 1024 need privileges); choose another PORT`);
    case "EADDRNOTAVAIL":
      return new StartupFailure(`HOST (option host): ${config.host} is not an address of this machine; choose another HOST`);
    default:
      return new StartupFailure(`PORT (option port): cannot listen on ${where}: ${failure.message}`);
  }
}

/** Why PostgreSQL could not be reached or migrated, in words; the URL's password never appears. */
const postgresReasons: Record<string, string> = {
  ECONNREFUSED: "nothing accepts connections there (is PostgreSQL running, on that host and port?)",
  ENOTFOUND: "the host name is unknown",
  EAI_AGAIN: "the host name could not be looked up",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "the host is unreachable",
  "28P01": "the password was refused",
  "28000": "the user may not connect",
  "3D000": "that database does not exist (create it first)",
  "42501": "the user lacks a privilege the migrations need",
  "53300": "the server has no connections left",
  "57P03": "the server is starting up or shutting down",
};

/** Why the database could not be opened or migrated, naming DATABASE_URL or DATABASE_PATH. */
export function databaseFailure(error: unknown, config: Pick<Config, "databasePath" | "databaseUrl">): StartupFailure {
  const failure = error as SystemError;
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    const where = `${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
    const reason = (failure?.code && postgresReasons[failure.code]) || failure?.message || String(error);
    return new StartupFailure(`DATABASE_URL (option databaseUrl): cannot use PostgreSQL at ${where}: ${reason}`);
  }
  const reasons: Record<string, string> = {
    EEXIST: "a file stands where its folder should be",
    ENOTDIR: "a file stands where its folder should be",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EROFS: "the file system is read-only",
    ENOSPC: "the disk is full",
    SQLITE_CANTOPEN: "SQLite cannot open it (is it a folder, or is its folder not writable?)",
    SQLITE_NOTADB: "it is not a SQLite database",
    SQLITE_CORRUPT: "the file is damaged",
    SQLITE_READONLY: "the file is read-only",
    SQLITE_FULL: "the disk is full",
  };
  const reason = (failure?.code && reasons[failure.code]) || failure?.message || String(error);
  return new StartupFailure(`DATABASE_PATH (option databasePath): cannot use ${JSON.stringify(config.databasePath)}: ${reason}`);
}
