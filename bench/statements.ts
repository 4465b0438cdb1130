import type { PgPool } from "../db/postgres/pool.js";

/**
 * What requests cost the database, counted by the database itself rather than by instrumenting
 * the app: pg_stat_statements (loaded through shared_preload_libraries, as the benchmark's
 * throwaway cluster does) counts every statement each database ran, BEGIN and COMMIT included.
 * node-postgres sends one statement per round trip (no pipelining, and our queries are single
 * statements), so the round trips are all the calls, and the statements those that are not
 * transaction control.
 */

export type StatementCounts = {
  /** Per operation: every call, BEGIN/COMMIT/ROLLBACK included. */
  roundTrips: number;
  /** Per operation: the calls that are not transaction control. */
  statements: number;
  /** Per operation: BEGIN … COMMIT (or ROLLBACK) blocks. */
  transactions: number;
  /** Per operation, most frequent first: each normalised statement ($1, $2… for values). */
  byQuery: { query: string; calls: number }[];
};

export type StatementCounter = {
  /** Counts what database `database` runs during `work`, which performs `operations` operations. */
  during(database: string, operations: number, work: () => Promise<void>): Promise<StatementCounts>;
};

const transactionControl = /^\s*(BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const transactionEnd = /^\s*(COMMIT|END|ROLLBACK)\b/i;

/** A counter, or why there is none (the extension is not loaded, or may not be created by this user). */
export async function openStatementCounter(maintenance: PgPool): Promise<StatementCounter | { unavailable: string }> {
  // A snapshot and a difference rather than pg_stat_statements_reset(): resetting needs more
  // rights and wipes the statistics of a server that may not be ours (DATABASE_URL).
  async function snapshot(database: string) {
    const { rows } = await maintenance.query<{ key: string; query: string; calls: number }>(
      `SELECT s.userid::text || ':' || s.queryid::text || ':' || s.toplevel::text AS key, s.query, s.calls
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1`,
      [database],
    );
    return new Map(rows.map((row) => [row.key, row]));
  }

  try {
    // Checked first, so a server that does not load it is left without a useless extension.
    const { rows: loaded } = await maintenance.query<{ libraries: string }>("SELECT current_setting('shared_preload_libraries') AS libraries");
    if (!/\bpg_stat_statements\b/.test(loaded[0]?.libraries ?? "")) return { unavailable: "pg_stat_statements is not in the server's shared_preload_libraries" };
    await maintenance.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    await snapshot("postgres");
    const { rows } = await maintenance.query<{ on: string }>("SELECT current_setting('pg_stat_statements.track_utility') AS on");
    if (rows[0]?.on !== "on") return { unavailable: "pg_stat_statements.track_utility is off: BEGIN and COMMIT would go uncounted" };
  } catch (error) {
    return { unavailable: `pg_stat_statements: ${error instanceof Error ? error.message : String(error)}` };
  }

  return {
    async during(database, operations, work) {
      const before = await snapshot(database);
      await work();
      const after = await snapshot(database);
      const byText = new Map<string, number>();
      for (const [key, { query, calls }] of after) {
        const ran = calls - (before.get(key)?.calls ?? 0);
        const text = query.replace(/\s+/g, " ").trim();
        if (ran > 0) byText.set(text, (byText.get(text) ?? 0) + ran);
      }
      const byQuery = [...byText].map(([query, calls]) => ({ query, calls: calls / operations })).sort((a, b) => b.calls - a.calls);
      const sum = (entries: typeof byQuery) => entries.reduce((total, entry) => total + entry.calls, 0);
      return {
        roundTrips: sum(byQuery),
        statements: sum(byQuery.filter((entry) => !transactionControl.test(entry.query))),
        transactions: sum(byQuery.filter((entry) => transactionEnd.test(entry.query))),
        byQuery,
      };
    },
  };
}
