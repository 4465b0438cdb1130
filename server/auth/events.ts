import type { AuthEventQueries } from "../../db/auth-events.js";
import type { Logger } from "../logger.js";

/** Who is on the other end of a request, as far as the server can tell. */
export type Client = { ip: string; userAgent: string | null };

export type AuthEventType =
  | "registered"
  | "login_succeeded"
  | "login_failed"
  | "logged_out"
  | "password_change_succeeded"
  | "password_change_failed"
  | "rate_limited";

export type AuthEvent = { type: AuthEventType; reason?: string | null; userId?: string | null; client: Client };

/**
 * Records each authentication event twice: as a JSON log line and as a row of `auth_event`. Only
 * the fields below ever leave here: never a password, token, cookie or body.
 */
export function createAuthEvents(queries: AuthEventQueries, logger: Logger, now: () => number = Date.now) {
  return {
    async record(event: AuthEvent): Promise<void> {
      const row = {
        type: event.type,
        reason: event.reason ?? null,
        userId: event.userId ?? null,
        ip: event.client.ip,
        userAgent: event.client.userAgent?.slice(0, 512) ?? null,
        createdAt: now(),
      };
      const failed = event.type.endsWith("_failed") || event.type === "rate_limited";
      logger[failed ? "warn" : "info"](
        { event: row.type, reason: row.reason, userId: row.userId, ip: row.ip, userAgent: row.userAgent },
        row.type,
      );
      await queries.insert(row);
    },
  };
}

export type AuthEvents = ReturnType<typeof createAuthEvents>;
