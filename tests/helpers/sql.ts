import type { Store } from "../../db/store.js";

/**
 * Looking into an app's database from a test, on either backend: the same SQL text (with `?`
 * placeholders and "user" quoted, which both dialects accept) runs on the SQLite file or on the
 * PostgreSQL pool the app uses.
 */
export type Sql = {
  dialect: "sqlite" | "postgres";
  /** A session's expiry as the dialect stores it (Lucia's SQLite adapter: seconds; PostgreSQL: timestamptz). */
  expiry(date: Date): unknown;
  /** …and back. */
  dateOf(stored: unknown): Date;
  all<T = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<T | undefined>;
  /** The first column of the first row. */
  value<T = unknown>(text: string, ...params: unknown[]): Promise<T | undefined>;
  /** The first column of every row. */
  values<T = unknown>(text: string, ...params: unknown[]): Promise<T[]>;
  /** Rows changed. */
  run(text: string, ...params: unknown[]): Promise<number>;
};

/** `?` → `$1`, `$2`… for PostgreSQL (test SQL never has a `?` inside a string literal). */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

export function sqlOf(store: Pick<Store, "driver">): Sql {
  const { driver } = store;
  const all = async <T>(text: string, params: unknown[]): Promise<T[]> => {
    if (driver.dialect === "sqlite") return driver.db.prepare(text).all(...params) as T[];
    return (await driver.pool.query(numbered(text), params)).rows as T[];
  };
  const firstColumn = (row: unknown) => (row === undefined ? undefined : Object.values(row as Record<string, unknown>)[0]);
  return {
    dialect: driver.dialect,
    expiry: (date) => (driver.dialect === "sqlite" ? Math.floor(date.getTime() / 1000) : date),
    dateOf: (stored) => (stored instanceof Date ? stored : new Date((stored as number) * 1000)),
    all: (text, ...params) => all(text, params),
    get: async (text, ...params) => (await all(text, params))[0] as never,
    value: async (text, ...params) => firstColumn((await all(text, params))[0]) as never,
    values: async (text, ...params) => (await all(text, params)).map(firstColumn) as never,
    async run(text, ...params) {
      if (driver.dialect === "sqlite") return driver.db.prepare(text).run(...params).changes;
      return (await driver.pool.query(numbered(text), params)).rowCount ?? 0;
    },
  };
}

/** Whether the store still answers (false once the app has closed it). */
export async function stillOpen(store: Pick<Store, "driver">): Promise<boolean> {
  return sqlOf(store)
    .value("SELECT 1")
    .then(
      () => true,
      () => false,
    );
}
