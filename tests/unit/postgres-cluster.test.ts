import { existsSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startCluster, type Cluster } from "../helpers/postgres-cluster.js";
import { createTestDatabase } from "../helpers/test-databases.js";

// The PostgreSQL harness itself; runs in the `postgres` project only (null on SQLite).
const serverUrl = inject("postgresUrl");

async function query(url: string, sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(serverUrl === null)("a test database on the run's PostgreSQL server", () => {
  const baseUrl = serverUrl ?? "";

  it("is empty and its own, answers queries, and is gone after drop, even with a connection left open", async () => {
    const database = await createTestDatabase(baseUrl);
    const name = new URL(database.url).pathname.slice(1);
    expect(name).toMatch(/^t_[0-9a-f]{16}$/);
    expect(await query(database.url, "SELECT 1 AS one, current_database() AS name")).toEqual([{ one: 1, name }]);
    expect(await query(database.url, "SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'")).toEqual([{ tables: 0 }]);

    const leftOpen = new pg.Client({ connectionString: database.url });
    await leftOpen.connect();
    // The server ends this connection when the database is dropped; pg reports that as an event.
    leftOpen.on("error", () => {});
    await database.drop();
    await database.drop();
    expect(await query(baseUrl, "SELECT count(*)::int AS left FROM pg_database WHERE datname = $1", [name])).toEqual([{ left: 0 }]);
  });

  it("gives every call a database of its own", async () => {
    const databases = await Promise.all([createTestDatabase(baseUrl), createTestDatabase(baseUrl)]);
    expect(new Set(databases.map((database) => database.url)).size).toBe(2);
    await Promise.all(databases.map((database) => database.drop()));
  });
});

describe.skipIf(serverUrl === null)("a throwaway cluster", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(() => cluster?.destroy());

  it("keeps its port and its data across stop and start; in between, connections fail", async () => {
    const { url, port } = cluster;
    expect(url).toBe(`postgres://postgres@127.0.0.1:${port}/postgres`);
    await query(url, "CREATE TABLE note (body text NOT NULL)");
    await query(url, "INSERT INTO note VALUES ($1)", ["written before the stop"]);

    const connected = new pg.Client({ connectionString: url });
    await connected.connect();
    // pg can report the end twice (the server's notice, then the closed socket): keep listening.
    const terminated = new Promise<Error>((resolve) => connected.on("error", resolve));
    await cluster.stop();
    // An open connection is ended by the shutdown; a new one is refused.
    expect((await terminated).message).toMatch(/terminating connection|Connection terminated/i);
    await expect(connected.query("SELECT 1")).rejects.toThrow();
    await expect(query(url, "SELECT 1")).rejects.toMatchObject({ code: "ECONNREFUSED" });

    await cluster.start();
    expect(cluster.port).toBe(port);
    expect(await query(url, "SELECT body FROM note")).toEqual([{ body: "written before the stop" }]);
  });

  // Holds only because the harness keeps synchronous_commit on (see defaultSettings there).
  it("keeps a committed row through stop('immediate'), a crash of the server", async () => {
    await query(cluster.url, "CREATE TABLE crash_note (body text NOT NULL)");
    await query(cluster.url, "INSERT INTO crash_note VALUES ($1)", ["written just before the crash"]);
    await cluster.stop("immediate");
    await cluster.start();
    expect(await query(cluster.url, "SELECT body FROM crash_note")).toEqual([{ body: "written just before the crash" }]);
  });
});

describe.skipIf(serverUrl === null)("a cluster that cannot start", () => {
  it("says why, with the server's log, and leaves no folder behind", async () => {
    const error = await startCluster({ settings: { max_connections: "many" } }).then(
      () => null,
      (reason: unknown) => (reason instanceof Error ? reason.message : String(reason)),
    );
    expect(error).toMatch(/pg_ctl start on port \d+ in \S+ failed[\s\S]*server log[\s\S]*max_connections/);
    const folder = /in (\S+) failed/.exec(error ?? "")?.[1] ?? "";
    expect(folder).toMatch(/pgtest-/);
    expect(existsSync(folder)).toBe(false);
  });
});
