import type { SqliteDb } from "./database.js";

/**
 * The same database handle, but `prepare` compiles each distinct SQL text once and hands back
 * the same statement after that. For libraries that call `db.prepare(sql)` on every query (Lucia's
 * SQLite adapter, rate-limiter-flexible): their statements are then reused like ours.
 */
export function withStatementCache(db: SqliteDb): SqliteDb {
  const statements = new Map<string, ReturnType<SqliteDb["prepare"]>>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return prepare;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
