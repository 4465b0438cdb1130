import type { Store } from "../store.js";
import { createSqliteAuthEvents } from "./auth-events.js";
import { createPendingMigrations, openDatabase } from "./database.js";
import { createSqliteOutbox } from "./outbox.js";
import { createSqlitePasswordResets } from "./password-resets.js";
import { createSqliteSessions } from "./sessions.js";
import { createSqliteSettings } from "./settings.js";
import { createSqliteUsers } from "./users.js";

/** The embedded default: one SQLite file, migrated on open, shared by the worker processes of one machine. */
export function openSqliteStore(path: string): Store {
  const db = openDatabase(path);
  const pending = createPendingMigrations(db);
  return {
    dialect: "sqlite",
    driver: { dialect: "sqlite", db },
    users: createSqliteUsers(db),
    sessions: createSqliteSessions(db),
    outbox: createSqliteOutbox(db),
    passwordResets: createSqlitePasswordResets(db),
    authEvents: createSqliteAuthEvents(db),
    settings: createSqliteSettings(db),
    async pendingMigrations() {
      return pending();
    },
    async close() {
      db.close();
    },
  };
}
