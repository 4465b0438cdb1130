import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrationVersions, readMigrations } from "../migration-files.js";

export type SqliteDb = Database.Database;

/**
 * Opens (creating its folder if needed) the SQLite file and brings its schema up to date.
 * WAL lets readers run beside the one writer. Start-up may wait for the lock (processes starting
 * together migrate one after the other); after that SQLite never waits on its own, because its
 * wait blocks the event loop: every write goes through `retryWhileBusy` (db/busy.ts) instead.
 */
export function openDatabase(path: string): SqliteDb {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.pragma("synchronous = NORMAL");
  migrate(db);
  db.pragma("busy_timeout = 0");
  return db;
}

/** Applies each numbered migration once, recording it; safe to run from several processes at once. */
export function migrate(db: SqliteDb): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    version INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const applied: number[] = [];
  const isApplied = db.prepare("SELECT 1 FROM schema_migration WHERE version = ?").pluck();
  const record = db.prepare("INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)");
  for (const migration of readMigrations("sqlite")) {
    // IMMEDIATE takes the write lock before the check, so two starting processes cannot both apply it.
    db.transaction(() => {
      if (isApplied.get(migration.version)) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    }).immediate();
  }
  return applied;
}

/**
 * For a readiness probe: the migrations this code ships that the database has not recorded (none
 * when the schema is the one the code expects). One read of a handful of rows, on a statement prepared
 * once; it throws when the database cannot be read at all (closed, deleted table, broken file).
 * The list of files is read once: they are part of the code, not of the data.
 */
export function createPendingMigrations(db: SqliteDb): () => number[] {
  const known = migrationVersions("sqlite");
  const recorded = db.prepare("SELECT version FROM schema_migration").pluck();
  return () => {
    const applied = new Set(recorded.all() as number[]);
    return known.filter((version) => !applied.has(version));
  };
}
