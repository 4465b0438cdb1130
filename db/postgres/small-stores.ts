import type { AuthEventStore, SettingStore } from "../store.js";
import type { PgPool } from "./pool.js";

export function createPostgresSettings(pool: PgPool): SettingStore {
  return {
    async getOrCreate(key, make) {
      // Instances starting together: one insert wins, every one reads the winner's value.
      await pool.query({
        name: "setting-insert",
        text: "INSERT INTO app_setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        values: [key, make()],
      });
      const { rows } = await pool.query<{ value: string }>({ name: "setting-read", text: "SELECT value FROM app_setting WHERE key = $1", values: [key] });
      return rows[0]!.value;
    },
  };
}

export function createPostgresAuthEvents(pool: PgPool): AuthEventStore {
  return {
    async insert(event) {
      await pool.query({
        name: "auth-event-insert",
        text: "INSERT INTO auth_event (type, reason, user_id, ip, user_agent, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        values: [event.type, event.reason, event.userId, event.ip, event.userAgent, event.createdAt],
      });
    },
  };
}
