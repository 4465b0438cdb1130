import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createPool, type PgPool } from "../db/postgres/pool.js";
import { startCluster, type Cluster } from "../tests/helpers/postgres-cluster.js";
import { seedOurs } from "./seed.js";

/**
 * Where our servers under test keep their data. By default a SQLite file each, as before. With
 * DATABASE_URL=postgres://… a database each on that PostgreSQL server; with BENCH_POSTGRES=1 (and
 * no DATABASE_URL) on a throwaway cluster started for the run (tests/helpers/postgres-cluster.ts,
 * with pg_stat_statements loaded for bench/statements.ts). Each server gets an empty database of
 * its own, created for it and dropped after it, so no run sees another's users, sessions or
 * rate-limit counters. The peer (better-auth) stays on its SQLite file either way.
 */

export type BenchDatabase = {
  /** What a server needs in its environment to use this database (over the benchmark's own). */
  env: Record<string, string>;
  /** PostgreSQL: the database's name, which pg_stat_statements counts by; SQLite: the file name. */
  name: string;
  /** Users bench_<first>… with one session each (bench/seed.ts): their session tokens. */
  seed(count: number, first?: number): Promise<string[]>;
  drop(): Promise<void>;
};

export type Backend = {
  dialect: "sqlite" | "postgres";
  /** For the line above the table: which server, and whether commits wait for the disk. */
  description: string;
  /** The same in a few words, for the table's own header ("PostgreSQL 15.18, fsync=off"). */
  brief: string;
  /** A connection to the server's `postgres` database, for CREATE/DROP DATABASE and statistics; null on SQLite. */
  maintenance: PgPool | null;
  fresh(purpose: string): Promise<BenchDatabase>;
  close(): Promise<void>;
};

/** SQLite unless DATABASE_URL or BENCH_POSTGRES=1 says PostgreSQL; `work` holds the SQLite files. */
export function openBackend(work: string): Promise<Backend> {
  const url = process.env.DATABASE_URL;
  if (url) return openPostgres(url, null);
  if (process.env.BENCH_POSTGRES === "1") return startThrowaway();
  return Promise.resolve(sqlite(work));
}

function sqlite(work: string): Backend {
  return {
    dialect: "sqlite",
    description: "SQLite, a file per server",
    brief: "SQLite",
    maintenance: null,
    async fresh(purpose) {
      const databasePath = join(work, `${purpose}.db`);
      return {
        env: { DATABASE_PATH: databasePath },
        name: `${purpose}.db`,
        seed: (count, first = 0) => seedOurs(databasePath, count, first),
        // The work folder goes at exit, files and all.
        drop: async () => {},
      };
    },
    close: async () => {},
  };
}

async function startThrowaway(): Promise<Backend> {
  // track_utility is pg_stat_statements' default; said here because the round trips depend on it.
  const cluster = await startCluster({ settings: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track_utility": "on" } });
  return openPostgres(cluster.url, cluster);
}

/** `serverUrl` with another database name: user, password, host, port and query stay. */
function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function openPostgres(serverUrl: string, cluster: Cluster | null): Promise<Backend> {
  // Generous timeouts: CREATE DATABASE copies a template, and this machine may be busy.
  const maintenance = createPool({ url: withDatabase(serverUrl, "postgres"), max: 2, statementTimeoutMs: 120_000, onIdleError: () => {} });
  const { rows } = await maintenance.query<{ version: string; fsync: string }>(
    "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync",
  );
  const { version, fsync } = rows[0]!;
  const where = cluster ? "a throwaway cluster on this machine (BENCH_POSTGRES=1)" : `${new URL(serverUrl).host} (DATABASE_URL)`;
  // With fsync off a commit never waits for the disk: cheaper than on a durable server.
  const durability = fsync === "off" ? "fsync=off: commits never wait for the disk" : `fsync=${fsync}`;
  return {
    dialect: "postgres",
    description: `PostgreSQL ${version.split(" ")[0]} on ${where}, ${durability}`,
    brief: `PostgreSQL ${version.split(" ")[0]}, fsync=${fsync}`,
    maintenance,
    async fresh(purpose) {
      // Lower-case letters, digits and _: a valid identifier as is, quoted anyway.
      const name = `bench_${purpose.replace(/[^a-z0-9]/g, "_")}_${randomBytes(4).toString("hex")}`;
      await maintenance.query(`CREATE DATABASE "${name}"`);
      const url = withDatabase(serverUrl, name);
      return {
        env: { DATABASE_URL: url },
        name,
        seed: (count, first = 0) => seedOurs("unused-on-postgres.db", count, first, url),
        // WITH (FORCE) (PostgreSQL 13+): a server killed with SIGKILL may leave connections behind for a moment.
        drop: async () => {
          await maintenance.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        },
      };
    },
    async close() {
      await maintenance.end();
      await cluster?.destroy();
    },
  };
}
