import { retryWhileBusy } from "./busy.js";
import type { Db } from "./database.js";

export function createSettingQueries(db: Db) {
  const insertIfMissing = db.prepare<[string, string]>("INSERT OR IGNORE INTO app_setting (key, value) VALUES (?, ?)");
  const read = db.prepare<[string], string>("SELECT value FROM app_setting WHERE key = ?").pluck();
  return {
    /** The stored value, or `make()`'s, stored first; concurrent starts agree on one value. */
    async getOrCreate(key: string, make: () => string): Promise<string> {
      return retryWhileBusy(() => {
        insertIfMissing.run(key, make());
        return read.get(key)!;
      });
    },
  };
}
