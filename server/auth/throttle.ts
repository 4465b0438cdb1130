import { RateLimiterRes, RateLimiterSQLite } from "rate-limiter-flexible";
import { retryWhileBusy } from "../../db/busy.js";
import type { Db } from "../../db/database.js";
import { withStatementCache } from "../../db/statement-cache.js";

/**
 * Brute-force protection for password checks (OWASP ASVS V6.3, NIST 800-63B §3.2.2): one counter
 * per account, shared by login and change password whichever door they come through, and one per
 * IP address. The counters live in SQLite, so they survive restarts and are shared by every
 * worker process. The only module that knows about rate-limiter-flexible.
 */

export type ThrottleLimits = {
  /** Failed password checks allowed per account in a window. */
  accountAttempts: number;
  /** Failed password checks allowed per IP address in a window. */
  ipAttempts: number;
  windowSeconds: number;
};

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export function createThrottle(db: Db, limits: ThrottleLimits) {
  // Its statements are compiled once (the library prepares them on every call).
  const store = withStatementCache(db);
  const common = { storeClient: store, storeType: "better-sqlite3", tableName: "rate_limit", tableCreated: true } as const;
  const perAccount = new RateLimiterSQLite({
    ...common,
    keyPrefix: "account",
    points: limits.accountAttempts,
    duration: limits.windowSeconds,
  });
  const perIp = new RateLimiterSQLite({ ...common, keyPrefix: "ip", points: limits.ipAttempts, duration: limits.windowSeconds });

  return {
    /**
     * Counts an attempt *before* the password is checked, atomically: of 50 concurrent guesses only
     * the allowed number ever reach the hash, and while blocked even the right password is refused.
     * A success gives the account's attempts back (see `succeeded`).
     */
    async reserve(account: string, ip: string): Promise<ThrottleVerdict> {
      const results = await Promise.allSettled([
        retryWhileBusy(() => perAccount.consume(accountKey(account))),
        retryWhileBusy(() => perIp.consume(ip)),
      ]);
      const waits = results.map((result) => {
        if (result.status === "fulfilled") return 0;
        if (result.reason instanceof RateLimiterRes) return result.reason.msBeforeNext;
        throw result.reason;
      });
      const wait = Math.max(...waits);
      if (wait === 0) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    },

    /** A correct password: the account starts afresh, and this attempt no longer counts against the IP. */
    async succeeded(account: string, ip: string): Promise<void> {
      await Promise.all([retryWhileBusy(() => perAccount.delete(accountKey(account))), retryWhileBusy(() => perIp.reward(ip, 1))]);
    },
  };
}

/** Usernames are ASCII and unique case-insensitively, so their lower case names one account. */
function accountKey(username: string): string {
  return username.toLowerCase();
}

export type Throttle = ReturnType<typeof createThrottle>;

