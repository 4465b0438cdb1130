import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Dialect } from "./store.js";

export type Migration = { version: number; name: string; sql: string };

/** Each dialect has its own numbered files (db/migrations/<dialect>/NNN_name.sql). */
function migrationsDir(dialect: Dialect): string {
  return join(dirname(fileURLToPath(import.meta.url)), "migrations", dialect);
}

function migrationFiles(dialect: Dialect): { file: string; version: number; name: string }[] {
  return readdirSync(migrationsDir(dialect))
    .map((file) => /^(\d+)_(.+)\.sql$/.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([file, version, name]) => ({ file, version: Number(version), name: name! }))
    .sort((a, b) => a.version - b.version);
}

/** The migrations this code ships for `dialect`, in version order. */
export function readMigrations(dialect: Dialect): Migration[] {
  return migrationFiles(dialect).map(({ file, version, name }) => ({
    version,
    name,
    sql: readFileSync(join(migrationsDir(dialect), file), "utf8"),
  }));
}

/** Just their versions: for the readiness probe, read once (the files are code, not data). */
export function migrationVersions(dialect: Dialect): number[] {
  return migrationFiles(dialect).map((migration) => migration.version);
}
