import { NodePostgresAdapter } from "@lucia-auth/adapter-postgresql";
import { BetterSqlite3Adapter } from "@lucia-auth/adapter-sqlite";
import { createHash, randomBytes } from "node:crypto";
import { Lucia, TimeSpan, type Adapter, type DatabaseSession, type DatabaseUser } from "lucia";
import { retryWhileBusy } from "../../db/sqlite/busy.js";
import { withStatementCache } from "../../db/sqlite/statement-cache.js";
import type { LiveSession, SessionDevice, SessionStore, Store } from "../../db/store.js";
import type { Account } from "./account.js";

/**
 * Sessions: the one module that knows about Lucia (deprecated upstream; replacing it touches
 * only this file). Everything else sees tokens, accounts and Set-Cookie strings.
 *
 * The cookie (or bearer header) carries a random token; the database keeps only its SHA-256 as
 * the session id, so a copy of the database hands out no live sessions (Lucia's own guide).
 * A session is valid only while the credential version it was started under is the user's
 * current one (the store's session lookup decides that: db/sqlite/sessions.ts, db/postgres/sessions.ts).
 */

export type Session = { id: string; userId: string; expiresAt: Date; credentialVersion: number };
export type ValidSession = { session: Session; user: Account };

type UserColumns = { username: string; email: string };
type SessionColumns = {
  created_at: number;
  credential_version: number;
  last_seen_at: number | null;
  // Written when a session starts; the per-request lookup does not read them back.
  user_agent?: string | null;
  ip?: string | null;
};

/** Sessions last 30 days and slide forward when used in their second half (Lucia's rule). */
const sessionLifetimeDays = 30;

/**
 * "Last seen" is written at most once per session per 5 minutes: precise enough for the list of
 * signed-in devices, and an authenticated page view within the window stays a read only.
 */
export const lastSeenWindowMinutes = 5;
const lastSeenWindowMs = lastSeenWindowMinutes * 60 * 1000;

/** The User-Agent header is the client's free text: kept to a sane length (as the audit trail does). */
const userAgentMaxLength = 512;

/**
 * Lucia's adapter for the store's database (its SQLite or its PostgreSQL one, both stock), except
 * that the session check is the store's one indexed lookup, which also decides whether the
 * session's credentials are still current (the stock adapters run two queries and know nothing of
 * credential versions).
 */
class SessionAdapter implements Adapter {
  private readonly stock: Adapter;

  constructor(
    store: Pick<Store, "driver">,
    private readonly sessions: SessionStore,
  ) {
    const tables = { user: "user", session: "session" };
    const { driver } = store;
    // SQLite: its statements reused (the stock adapter compiles them on every call).
    this.stock =
      driver.dialect === "sqlite" ? new BetterSqlite3Adapter(withStatementCache(driver.db), tables) : new NodePostgresAdapter(driver.pool, tables);
  }

  async getSessionAndUser(sessionId: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const row = await this.sessions.findWithUser(sessionId);
    if (!row) return [null, null];
    const session: DatabaseSession = {
      id: row.id,
      userId: row.userId,
      expiresAt: row.expiresAt,
      attributes: { created_at: row.createdAt, credential_version: row.credentialVersion, last_seen_at: row.lastSeenAt },
    };
    // Credentials changed since this session began: Lucia deletes a session that has no user.
    if (!row.current) return [session, null];
    return [session, { id: row.userId, attributes: { username: row.username, email: row.email } }];
  }

  getUserSessions(userId: string) {
    return this.stock.getUserSessions(userId);
  }
  setSession(session: DatabaseSession) {
    return this.stock.setSession(session);
  }
  updateSessionExpiration(sessionId: string, expiresAt: Date) {
    return this.stock.updateSessionExpiration(sessionId, expiresAt);
  }
  deleteSession(sessionId: string) {
    return this.stock.deleteSession(sessionId);
  }
  deleteUserSessions(userId: string) {
    return this.stock.deleteUserSessions(userId);
  }
  deleteExpiredSessions() {
    return this.stock.deleteExpiredSessions();
  }
}

function createLucia(store: Pick<Store, "driver" | "sessions">, options: SessionOptions) {
  return new Lucia(new SessionAdapter(store, store.sessions), {
    sessionExpiresIn: new TimeSpan(sessionLifetimeDays, "d"),
    sessionCookie: {
      name: options.cookieName,
      // Secure only when the public origin is https, so the http demo on localhost still works.
      attributes: { secure: options.secure, sameSite: "lax" },
    },
    // Whitelist: the adapter hands over every column of the user row, password_hash included.
    getUserAttributes: (columns: UserColumns) => ({ username: columns.username, email: columns.email }),
    getSessionAttributes: (columns: SessionColumns) => ({ credentialVersion: columns.credential_version, lastSeenAt: columns.last_seen_at }),
  });
}

declare module "lucia" {
  interface Register {
    Lucia: ReturnType<typeof createLucia>;
    DatabaseUserAttributes: UserColumns;
    DatabaseSessionAttributes: SessionColumns;
  }
}

/** 256 random bits; URL-safe so it fits a cookie and a header unchanged. */
function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The stored id of a token. Plain SHA-256 is enough: the token has full entropy, nothing to stretch. */
export function sessionIdOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export type SessionOptions = { cookieName: string; secure: boolean; now?: () => number };

/** What a caller hands to the device: the token for a cookie or an Authorization header. */
export type NewSession = { token: string; expiresAt: Date };

/** What a session keeps of the device that started it (the request's User-Agent and IP address). */
function deviceColumns(device: { userAgent: string | null; ip: string }): Required<SessionDevice> {
  return { userAgent: device.userAgent?.slice(0, userAgentMaxLength) ?? null, ip: device.ip };
}

export function createSessionService(store: Pick<Store, "driver" | "sessions">, options: SessionOptions) {
  const lucia = createLucia(store, options);
  const now = options.now ?? Date.now;

  return {
    /**
     * Starts a session under `credentialVersion`, the version read together with the hash that the
     * password was verified against: if the password changed meanwhile, the session is born void.
     * `device` is the request that signed in, for the list of signed-in devices.
     */
    async create(userId: string, credentialVersion: number, device: { userAgent: string | null; ip: string }): Promise<NewSession> {
      const token = newToken();
      const at = now();
      const { userAgent, ip } = deviceColumns(device);
      const attributes = { created_at: at, credential_version: credentialVersion, user_agent: userAgent, ip, last_seen_at: at };
      const session = await retryWhileBusy(() => lucia.createSession(userId, attributes, { sessionId: sessionIdOf(token) }));
      return { token, expiresAt: session.expiresAt };
    },

    /**
     * A new session's token and stored id, for a caller that writes the row itself inside its own
     * transaction (the store's password swap, when a password change keeps this device signed in).
     */
    issue(device: { userAgent: string | null; ip: string }): NewSession & { id: string } & Required<SessionDevice> {
      const token = newToken();
      return { token, id: sessionIdOf(token), expiresAt: new Date(now() + sessionLifetimeDays * 24 * 3600 * 1000), ...deviceColumns(device) };
    },

    /**
     * Checks a token against the database. `cookie` is what to send back when the token came in a
     * cookie: a renewed cookie when the expiry slid forward, a blank one when the token is no longer valid.
     */
    async validate(token: string): Promise<{ valid: ValidSession | null; cookie?: string }> {
      const blank = { valid: null, cookie: lucia.createBlankSessionCookie().serialize() };
      if (!tokenPattern.test(token)) return blank;
      // Validation may write (a sliding expiry, a void session deleted): it waits for the lock too.
      const { session, user } = await retryWhileBusy(() => lucia.validateSession(sessionIdOf(token)));
      if (!session) return blank;
      // Seen now; written only when the last record is older than the window (a read otherwise).
      const at = now();
      const staleBefore = at - lastSeenWindowMs;
      if (session.lastSeenAt === null || session.lastSeenAt < staleBefore) await store.sessions.touch(session.id, at, staleBefore);
      return {
        valid: {
          session: { id: session.id, userId: session.userId, expiresAt: session.expiresAt, credentialVersion: session.credentialVersion },
          user: { id: user.id, username: user.username, email: user.email },
        },
        cookie: session.fresh ? lucia.createSessionCookie(token).serialize() : undefined,
      };
    },

    /** Expired sessions are deleted when next presented; this sweeps the ones nobody presents again. */
    async deleteExpired(): Promise<void> {
      await retryWhileBusy(() => lucia.deleteExpiredSessions());
    },

    async invalidate(sessionId: string): Promise<void> {
      await retryWhileBusy(() => lucia.invalidateSession(sessionId));
    },

    /** The account's signed-in devices: its live sessions (current credentials, not expired), last seen first. */
    listLive(userId: string): Promise<LiveSession[]> {
      return store.sessions.listLive(userId, new Date(now()));
    },

    /** Ends one session, only if it is `userId`'s; whether it was. */
    endOwned(userId: string, sessionId: string): Promise<boolean> {
      return store.sessions.deleteOwned(userId, sessionId);
    },

    /** Ends every session of `userId` but `keepId`; how many of them were live. */
    endOthers(userId: string, keepId: string): Promise<number> {
      return store.sessions.deleteOthers(userId, keepId, new Date(now()));
    },

    cookieName: options.cookieName,

    /** The Set-Cookie header that hands a session to a browser. */
    cookie(token: string): string {
      return lucia.createSessionCookie(token).serialize();
    },

    /** Max-Age=0 with the same HttpOnly, SameSite and Path as the real cookie. */
    blankCookie(): string {
      return lucia.createBlankSessionCookie().serialize();
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
