import { createHmac } from "node:crypto";
import { RateLimiterPostgres, RateLimiterRes, RateLimiterSQLite } from "rate-limiter-flexible";
import { retryWhileBusy } from "../../db/sqlite/busy.js";
import { withStatementCache } from "../../db/sqlite/statement-cache.js";
import type { Driver } from "../../db/store.js";

/**
 * Brute-force protection for password checks (OWASP ASVS V6.3, NIST 800-63B §3.2.2) without
 * handing attackers a lockout weapon: rate-limiter-flexible's login-protection recipe plus OWASP's
 * device cookies. The only module that knows about rate-limiter-flexible.
 *
 * A password check from a device that has signed in to the account before (server/auth/devices.ts)
 * counts against that device alone: consecutive failures per device. Any other counts against
 * - consecutive failures per account and IP address (what stops one guesser),
 * - failures per IP address per day (what stops one address spraying many accounts), and
 * - failures per account per day (what stops guessing one account from many addresses).
 * A change of password also counts consecutive failures per session. Registration attempts are
 * counted per IP address, successful or not, and requests for a password-reset link per IP address
 * and per account name as typed, answered or not (they send e-mail: nobody may flood an inbox).
 *
 * Every counter is reserved *before* the hash, atomically, so of 50 concurrent guesses only the
 * allowed number ever reach it; and looked at first, so an attempt that is refused writes nothing
 * and hashes nothing. A success resets the consecutive counters it concerns and gives its point
 * back to the daily ones. The counters live in the database: they survive restarts and every
 * worker process and instance shares them (on SQLite another connection's write lock is waited
 * for asynchronously, db/sqlite/busy.ts). Their keys are HMACs under the app's secret, so the table holds no
 * username (people type passwords there), no address and no device id.
 */

export type ThrottleLimits = {
  /** Consecutive failures per account and IP address, per known device and per session, in a window. */
  consecutiveAttempts: number;
  windowSeconds: number;
  /** Failures per IP address per day, from devices the account does not know. */
  ipDailyAttempts: number;
  /** Failures per account per day from devices it does not know, whatever their address. */
  accountDailyAttempts: number;
  /** Registration attempts per IP address per window. */
  registerAttempts: number;
  /**
   * Password-reset requests per account name as typed, and per IP address, per `resetWindowSeconds`.
   * The window is no longer than a link lives, so while the account counter refuses, the link
   * sent by the request that filled it still works: a flood cannot leave the owner without one.
   */
  resetAttempts: number;
  resetIpAttempts: number;
  resetWindowSeconds: number;
};

/** What a password check is counted against. */
export type CheckSubject = {
  /** The username as typed: an account's or nobody's, counted all the same so a 429 reveals nothing. */
  username: string;
  ip: string;
  /** The requester's device id when its device cookie names this account (server/auth/account.ts). */
  knownDevice: string | null;
  /** With a change of password: the session it is made in. */
  sessionId?: string;
};

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/** A password check that took place (`correct` says how it went), or the limiter's refusal. */
export type PasswordCheck = { ok: true; correct: boolean } | { ok: false; retryAfterSeconds: number };

const day = 24 * 3600;

export function createThrottle(driver: Driver, limits: ThrottleLimits, secret: string) {
  // SQLite: its statements compiled once (the library prepares them on every call). PostgreSQL:
  // the app's pool, so every instance counts in the same table. The table comes from our migrations.
  const store = driver.dialect === "sqlite" ? { ...driver, db: withStatementCache(driver.db) } : driver;
  const limiter = (keyPrefix: string, points: number, duration: number): Limiter => {
    const common = { tableName: "rate_limit", tableCreated: true, keyPrefix, points, duration };
    return store.dialect === "sqlite"
      ? new RateLimiterSQLite({ ...common, storeClient: store.db, storeType: "better-sqlite3" })
      : new RateLimiterPostgres({ ...common, storeClient: store.pool, storeType: "pool" });
  };
  const limiters = {
    account_ip: limiter("account_ip", limits.consecutiveAttempts, limits.windowSeconds),
    device: limiter("device", limits.consecutiveAttempts, limits.windowSeconds),
    session: limiter("session", limits.consecutiveAttempts, limits.windowSeconds),
    ip_day: limiter("ip_day", limits.ipDailyAttempts, day),
    account_day: limiter("account_day", limits.accountDailyAttempts, day),
    register_ip: limiter("register_ip", limits.registerAttempts, limits.windowSeconds),
    reset_account: limiter("reset_account", limits.resetAttempts, limits.resetWindowSeconds),
    reset_ip: limiter("reset_ip", limits.resetIpAttempts, limits.resetWindowSeconds),
  };
  type Kind = keyof typeof limiters;

  /** A keyed hash, so a copy of the table names nobody; the kind keeps equal values apart. */
  const counter = (kind: Kind, value: string, afterSuccess: Counter["afterSuccess"]): Counter => ({
    limiter: limiters[kind],
    key: createHmac("sha256", secret).update(`counter:${kind}:${value}`).digest("base64url"),
    afterSuccess,
  });

  function countersFor(subject: CheckSubject): Counter[] {
    // Usernames are ASCII and unique case-insensitively, so their lower case names one account.
    const username = subject.username.toLowerCase();
    const counters: Counter[] =
      subject.knownDevice !== null
        ? [counter("device", subject.knownDevice, "reset")]
        : [
            counter("account_ip", `${username}\n${subject.ip}`, "reset"),
            counter("ip_day", subject.ip, "give-back"),
            counter("account_day", username, "give-back"),
          ];
    if (subject.sessionId !== undefined) counters.push(counter("session", subject.sessionId, "reset"));
    return counters;
  }

  const reservations = createReservations();

  return {
    /**
     * Runs `verify` (the hash) only if every counter concerned has room, with one point reserved on
     * each while it runs; then settles them by its answer. While blocked even the right password is
     * refused, and the refusal costs nothing.
     */
    async checkPassword(subject: CheckSubject, verify: () => Promise<boolean>): Promise<PasswordCheck> {
      const reservation = await reservations.reserve(countersFor(subject));
      if (!reservation.ok) return reservation;
      let correct = false;
      try {
        correct = await verify();
      } finally {
        await reservation.settle(correct);
      }
      return { ok: true, correct };
    },

    /** Counts a registration attempt from `ip`, whatever comes of it; refused past the limit, for free. */
    async admitRegistration(ip: string): Promise<ThrottleVerdict> {
      const reservation = await reservations.reserve([counter("register_ip", ip, "keep")]);
      if (!reservation.ok) return reservation;
      await reservation.settle(true);
      return { ok: true };
    },

    /**
     * Counts a request for a password-reset link, whatever comes of it; refused past either limit,
     * for free. `account` is the username or e-mail address as typed, counted whether or not an
     * account has it, so a 429 says nothing about which accounts exist.
     */
    async admitResetRequest(subject: { account: string; ip: string }): Promise<ThrottleVerdict> {
      // Usernames and e-mail addresses are ASCII and unique case-insensitively.
      const counters = [counter("reset_account", subject.account.toLowerCase(), "keep"), counter("reset_ip", subject.ip, "keep")];
      const reservation = await reservations.reserve(counters);
      if (!reservation.ok) return reservation;
      await reservation.settle(true);
      return { ok: true };
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;

type Limiter = RateLimiterSQLite | RateLimiterPostgres;

type Counter = {
  limiter: Limiter;
  key: string;
  /**
   * What a successful attempt does to its point: consecutive failures start afresh, daily ones get
   * it back, registrations keep it (every attempt counts).
   */
  afterSuccess: "reset" | "give-back" | "keep";
};

type Reservation = { ok: true; settle(succeeded: boolean): Promise<void> } | { ok: false; retryAfterSeconds: number };

/**
 * Reserving points on several counters at once, one reservation at a time in this process.
 *
 * Serialising look-and-count here means attempts in this process never push a counter past its
 * limit, so refusals are decided by a look (`get`) that writes nothing. Another process may still
 * fill a counter between our look and our count: that attempt is refused and its points given back.
 *
 * An attempt that finds a counter full only because of attempts still being checked in this
 * process waits for them and looks again: if they succeed (a reset) it goes ahead, if they fail
 * it is refused. So eight concurrent correct sign-ins all get in, and of 50 concurrent wrong ones
 * exactly the limit reach the hash.
 */
function createReservations() {
  const inFlight = new Map<string, Set<Promise<void>>>();
  const idOf = (counter: Counter) => counter.limiter.getKey(counter.key);
  const pendingOn = (counter: Counter) => inFlight.get(idOf(counter))?.size ?? 0;

  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task);
    queue = run.catch(() => {});
    return run;
  }

  type Step = Reservation | { ok: "wait"; until: Promise<void>[] };

  async function attempt(counters: Counter[]): Promise<Step> {
    const states = await Promise.all(counters.map((counter) => retryWhileBusy(() => counter.limiter.get(counter.key))));
    const full = counters
      .map((counter, index) => ({ counter, state: states[index] ?? null }))
      .filter(({ counter, state }) => (state?.consumedPoints ?? 0) >= counter.limiter.points);
    if (full.length > 0) {
      // Full without counting the attempts in flight here: refused now, with nothing written.
      const settledFull = full.filter(({ counter, state }) => (state?.consumedPoints ?? 0) - pendingOn(counter) >= counter.limiter.points);
      if (settledFull.length > 0) return refusal(settledFull.map(({ state }) => state?.msBeforeNext ?? 0));
      // Full only because of attempts in flight here: their outcome decides.
      return { ok: "wait", until: full.flatMap(({ counter }) => [...(inFlight.get(idOf(counter)) ?? [])]) };
    }
    const taken: Counter[] = [];
    for (const counter of counters) {
      try {
        await retryWhileBusy(() => counter.limiter.consume(counter.key));
        taken.push(counter);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) {
          await giveBack(taken);
          throw error;
        }
        // Another process filled it since our look: refused, and the points go back.
        await giveBack([...taken, counter]);
        return refusal([error.msBeforeNext]);
      }
    }
    return hold(counters);
  }

  function hold(counters: Counter[]): Reservation {
    let release!: () => void;
    const settled = new Promise<void>((resolve) => (release = resolve));
    for (const counter of counters) {
      const id = idOf(counter);
      const set = inFlight.get(id) ?? new Set();
      set.add(settled);
      inFlight.set(id, set);
    }
    return {
      ok: true,
      async settle(succeeded) {
        try {
          // A failure leaves its points where they are: that is what counts it.
          if (succeeded) await exclusive(() => afterSuccess(counters));
        } finally {
          for (const counter of counters) {
            const set = inFlight.get(idOf(counter));
            set?.delete(settled);
            if (set?.size === 0) inFlight.delete(idOf(counter));
          }
          release();
        }
      },
    };
  }

  return {
    async reserve(counters: Counter[]): Promise<Reservation> {
      for (;;) {
        const step = await exclusive(() => attempt(counters));
        if (step.ok !== "wait") return step;
        await Promise.race(step.until);
      }
    },
  };
}

async function afterSuccess(counters: Counter[]): Promise<void> {
  for (const counter of counters) {
    if (counter.afterSuccess === "reset") await retryWhileBusy(() => counter.limiter.delete(counter.key));
    if (counter.afterSuccess === "give-back") await giveBack([counter]);
  }
}

/** One point back on each, unless the window ran out meanwhile (no row at minus one). */
async function giveBack(counters: Counter[]): Promise<void> {
  for (const counter of counters) {
    const state = await retryWhileBusy(() => counter.limiter.get(counter.key));
    if (state && state.consumedPoints > 0) await retryWhileBusy(() => counter.limiter.reward(counter.key, 1));
  }
}

function refusal(waits: number[]): { ok: false; retryAfterSeconds: number } {
  const wait = Math.max(0, ...waits);
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
}
