import type { SettingStore } from "../store.js";
import { retryWhileBusy } from "./busy.js";
import type { SqliteDb } from "./database.js";

export function createSqliteSettings(db: SqliteDb): SettingStore {
  const insertIfMissing = db.prepare<[string, string]>("INSERT OR IGNORE INTO app_setting (key, value) VALUES (?, ?)");
  const read = db.prepare<[string], string>("SELECT value FROM app_setting WHERE key = ?").pluck();
  return {
    async getOrCreate(key, make) {
      return retryWhileBusy(() => {
        insertIfMissing.run(key, make());
        return read.get(key)!;
      });
    },
  };
}
