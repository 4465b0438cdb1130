import { inTransaction, type PgClient, type PgPool } from "./postgres/pool.js";
import type { SqliteDb } from "./sqlite/database.js";

/**
 * Moving up from the SQLite file to PostgreSQL without signing anybody out: every table is copied
 * as it is, in one PostgreSQL transaction (all or nothing). The app's secret comes along, so device
 * cookies, form tokens and rate-limit counter keys (all keyed by it) stay valid; session ids are
 * token hashes, so the devices' tokens stay valid too, and so do unused password-reset links.
 * Expired sessions, counters and reset links are left behind.
 */

export type CopyCounts = Record<(typeof tables)[number]["name"], number>;

type Table = {
  name: "user" | "session" | "app_setting" | "rate_limit" | "auth_event" | "outbox" | "password_reset";
  columns: string[];
  /** Rows worth keeping (SQLite side). */
  where?: string;
  /** A column's SQLite value as PostgreSQL takes it. */
  convert?: Record<string, (value: unknown) => unknown>;
  /** Identity columns whose sequence must continue after the copied ids. */
  identity?: boolean;
};

const tables = [
  { name: "user", columns: ["id", "username", "email", "password_hash", "created_at", "password_changed_at", "credential_version"] },
  {
    name: "session",
    columns: ["id", "expires_at", "user_id", "created_at", "credential_version", "user_agent", "ip", "last_seen_at"],
    where: "expires_at > unixepoch()",
    // Lucia's SQLite adapter keeps seconds; its PostgreSQL adapter a timestamptz.
    convert: { expires_at: (seconds) => new Date((seconds as number) * 1000) },
  },
  { name: "app_setting", columns: ["key", "value"] },
  { name: "rate_limit", columns: ["key", "points", "expire"], where: "expire IS NULL OR expire > unixepoch() * 1000" },
  { name: "auth_event", columns: ["id", "type", "reason", "user_id", "ip", "user_agent", "created_at"], identity: true },
  {
    name: "outbox",
    columns: [
      "id",
      "user_id",
      "recipient",
      "subject",
      "body",
      "created_at",
      "sent_at",
      "error",
      "attempts",
      "next_attempt_at",
      "claimed_until",
      "redacted_body",
      "secret_until",
    ],
    identity: true,
  },
  // Links still usable keep working after the move; used and expired ones stay behind.
  {
    name: "password_reset",
    columns: ["id", "user_id", "credential_version", "created_at", "expires_at", "used_at"],
    where: "used_at IS NULL AND expires_at > unixepoch() * 1000",
  },
] as const satisfies readonly Table[];

const quoted = (name: string) => `"${name}"`;
const batchSize = 500;

async function insertBatch(client: PgClient, table: Table, rows: Record<string, unknown>[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = table.columns.map((column) => {
      const convert = table.convert?.[column];
      values.push(convert ? convert(row[column]) : row[column]);
      return `$${values.length}`;
    });
    return `(${placeholders.join(", ")})`;
  });
  await client.query(`INSERT INTO ${quoted(table.name)} (${table.columns.map(quoted).join(", ")}) VALUES ${tuples.join(", ")}`, values);
}

export type CopyResult = { ok: true; counts: CopyCounts } | { ok: false; reason: "target_not_empty" };

export async function copySqliteToPostgres(source: SqliteDb, target: PgPool): Promise<CopyResult> {
  return inTransaction(target, async (client): Promise<CopyResult> => {
    // An instance already writing there, or a second run: refuse rather than merge two histories.
    const { rows } = await client.query<{ used: boolean }>(`SELECT EXISTS (SELECT 1 FROM "user") OR EXISTS (SELECT 1 FROM session) AS used`);
    if (rows[0]?.used) return { ok: false, reason: "target_not_empty" };
    // The app secret an empty instance may have generated on start is replaced by the one that signed everything so far.
    await client.query("DELETE FROM app_setting");
    await client.query("DELETE FROM rate_limit");
    const counts = {} as CopyCounts;
    for (const table of tables as readonly Table[]) {
      const select = source.prepare(
        `SELECT ${table.columns.map(quoted).join(", ")} FROM ${quoted(table.name)}${table.where ? ` WHERE ${table.where}` : ""}`,
      );
      let batch: Record<string, unknown>[] = [];
      let count = 0;
      for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
        batch.push(row);
        if (batch.length === batchSize) {
          await insertBatch(client, table, batch);
          count += batch.length;
          batch = [];
        }
      }
      if (batch.length > 0) await insertBatch(client, table, batch);
      counts[table.name] = count + batch.length;
      if (table.identity) {
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table.name}', 'id'), COALESCE((SELECT max(id) FROM ${quoted(table.name)}), 0) + 1, false)`,
        );
      }
    }
    return { ok: true, counts };
  });
}
