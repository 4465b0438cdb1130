import type { AuthEventStore } from "../../db/store.js";
import type { Logger } from "../logger.js";
import type { Requester } from "./account.js";

export type AuthEventType =
  | "registered"
  | "login_succeeded"
  | "login_failed"
  | "logged_out"
  | "device_signed_out"
  | "other_devices_signed_out"
  | "password_change_succeeded"
  | "password_change_failed"
  | "password_reset_requested"
  | "password_reset_succeeded"
  | "password_reset_failed"
  | "rate_limited";

/** `requester: null` is the server's own command line. */
export type AuthEvent = { type: AuthEventType; reason?: string | null; userId?: string | null; requester: Requester | null };

const commandLine: Requester = { ip: "command line", userAgent: "npm run passwd" };

/**
 * Records each authentication event twice: as a JSON log line and as a row of `auth_event`. Only
 * the fields below ever leave here: never a password, token, cookie or body. Never throws.
 */
export function createAuthEvents(queries: AuthEventStore, logger: Logger, now: () => number = Date.now) {
  return {
    async record(event: AuthEvent): Promise<void> {
      const requester = event.requester ?? commandLine;
      const row = {
        type: event.type,
        reason: event.reason ?? null,
        userId: event.userId ?? null,
        ip: requester.ip,
        userAgent: requester.userAgent?.slice(0, 512) ?? null,
        createdAt: now(),
      };
      const failed = event.type.endsWith("_failed") || event.type === "rate_limited";
      logger[failed ? "warn" : "info"](
        { event: row.type, reason: row.reason, userId: row.userId, ip: row.ip, userAgent: row.userAgent },
        row.type,
      );
      // The log line above is written already; a row that cannot be written (the database locked
      // for too long) must not turn what happened into a failure, e.g. a password that did change.
      await queries.insert(row).catch((error: unknown) => {
        logger.error({ event: "audit_write_failed", type: row.type, userId: row.userId, err: error }, "auth event not stored");
      });
    },
  };
}

export type AuthEvents = ReturnType<typeof createAuthEvents>;
