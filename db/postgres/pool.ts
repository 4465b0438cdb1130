import pg from "pg";

/**
 * The one module that imports node-postgres. One pool per process, shared by our queries, Lucia's
 * adapter and the rate limiter.
 */
export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

export type PoolOptions = {
  url: string;
  /** Connections this process may open: instances × workers × max must stay below the server's max_connections. */
  max: number;
  /** The longest a statement may run, and a connection may take to open, before the request gets 503. */
  statementTimeoutMs: number;
  /** An idle connection broke (a database restart): the pool drops it and opens a new one when needed. */
  onIdleError(error: Error): void;
};

const int8 = 20;

export function createPool(options: PoolOptions): PgPool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    // Server-side: PostgreSQL cancels a statement past this. Client-side: a connection that went
    // silent (a network cut) does not hold a request for ever either.
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    connectionTimeoutMillis: options.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "remix-trpc-change-password",
    // BIGINT columns hold milliseconds and ids, far below 2^53: numbers, not strings.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === int8 && format !== "binary" ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Without a listener, an idle connection's error (the server restarting) would end the process.
  pool.on("error", (error) => options.onIdleError(error));
  return pool;
}

/**
 * Runs `work` in one transaction on one connection. A connection that failed mid-way is destroyed
 * rather than handed back to the pool.
 */
export async function inTransaction<T>(pool: PgPool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
