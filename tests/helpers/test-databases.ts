import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * One empty database per test file (or per test) on a shared PostgreSQL server, so files never
 * see each other's rows and nobody has to clean tables between tests: drop the database instead.
 *
 *   const server = inject("postgresUrl"); // null in the sqlite project
 *   const database = await createTestDatabase(server); // in beforeAll, once server is a string; database.url for the app
 *   afterAll(() => database.drop());
 */

export type TestDatabase = {
  /** The server URL with this database's name in place of the original one. */
  url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop: () => Promise<void>;
};

/** `baseUrl` with another database name; user, password, host, port and query stay. */
function withDatabase(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on the server's `postgres` maintenance database, on a connection of its own. */
async function maintenance(baseUrl: string, sql: string): Promise<void> {
  // CREATE/DROP DATABASE cannot run from inside the database concerned, nor in a transaction.
  const client = new pg.Client({ connectionString: withDatabase(baseUrl, "postgres") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a uniquely named empty database (`t_<random hex>`) on the server at `baseUrl`. */
export async function createTestDatabase(baseUrl: string): Promise<TestDatabase> {
  // Lower-case hex: a valid identifier as is, quoted anyway so nothing depends on that.
  const name = `t_${randomBytes(8).toString("hex")}`;
  await maintenance(baseUrl, `CREATE DATABASE "${name}"`);
  return {
    url: withDatabase(baseUrl, name),
    // WITH (FORCE) (PostgreSQL 13+): a pool the test forgot to close must not keep the database alive.
    drop: () => maintenance(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
