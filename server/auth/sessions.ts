import { BetterSqlite3Adapter } from "@lucia-auth/adapter-sqlite";
import { createHash, randomBytes } from "node:crypto";
import { Lucia, TimeSpan, type DatabaseSession, type DatabaseUser } from "lucia";
import type { Db } from "../../db/database.js";
import { sessionWithUserStatement } from "../../db/sessions.js";
import { withStatementCache } from "../../db/statement-cache.js";
import { readCookie } from "../http/cookies.js";

/**
 * Sessions: the one module that knows about Lucia (deprecated upstream; replacing it touches
 * only this file). Everything else sees tokens, users and Set-Cookie strings.
 *
 * The cookie (or bearer header) carries a random token; the database keeps only its SHA-256 as
 * the session id, so a copy of the database hands out no live sessions (Lucia's own guide).
 */

export type SessionUser = { id: string; username: string; email: string };
export type Session = { id: string; userId: string; expiresAt: Date };
export type ValidSession = { session: Session; user: SessionUser };

type UserColumns = { username: string; email: string; password_changed_at: number | null };
type SessionColumns = { created_at: number };

/** Sessions last 30 days and slide forward when used in their second half (Lucia's rule). */
const sessionLifetimeDays = 30;

/**
 * Lucia's SQLite adapter, with its statements reused and the session check done in one indexed
 * lookup (the stock adapter runs two queries and compiles both on every request).
 */
class SessionAdapter extends BetterSqlite3Adapter {
  private readonly lookup;

  constructor(db: Db) {
    super(withStatementCache(db), { user: "user", session: "session" });
    this.lookup = sessionWithUserStatement(db);
  }

  override async getSessionAndUser(sessionId: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const row = this.lookup.get(sessionId);
    if (!row) return [null, null];
    return [
      { id: row.id, userId: row.user_id, expiresAt: new Date(row.expires_at * 1000), attributes: { created_at: row.created_at } },
      {
        id: row.user_id,
        attributes: { username: row.username, email: row.email, password_changed_at: row.password_changed_at },
      },
    ];
  }
}

function createLucia(db: Db, options: Pick<SessionOptions, "cookieName" | "secure">) {
  const adapter = new SessionAdapter(db);
  return new Lucia(adapter, {
    sessionExpiresIn: new TimeSpan(sessionLifetimeDays, "d"),
    sessionCookie: {
      name: options.cookieName,
      // Secure only when the public origin is https, so the http demo on localhost still works.
      attributes: { secure: options.secure, sameSite: "lax" },
    },
    // Whitelist: the adapter hands over every column of the user row, password_hash included.
    getUserAttributes: (columns: UserColumns) => ({
      username: columns.username,
      email: columns.email,
      passwordChangedAt: columns.password_changed_at,
    }),
    getSessionAttributes: (columns: SessionColumns) => ({ createdAt: columns.created_at }),
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

export type SessionOptions = {
  cookieName: string;
  secure: boolean;
  /** Void sessions whose credentials were checked before the last password change. */
  endSessionsOnPasswordChange: boolean;
};

export function createSessionService(db: Db, options: SessionOptions) {
  const lucia = createLucia(db, options);

  return {
    cookieName: options.cookieName,

    /**
     * Starts a session; the token goes in the cookie or an Authorization header. `checkedAt` is when
     * the credentials were verified: a password change after that moment voids the session.
     */
    async create(userId: string, checkedAt: number): Promise<{ token: string; cookie: string; expiresAt: Date }> {
      const token = newToken();
      const session = await lucia.createSession(userId, { created_at: checkedAt }, { sessionId: sessionIdOf(token) });
      return { token, cookie: lucia.createSessionCookie(token).serialize(), expiresAt: session.expiresAt };
    },

    /**
     * A new session's token, stored id and cookie, for a caller that writes the row itself inside
     * its own transaction (db/users.ts, when a password change keeps this device signed in).
     */
    issue(): { token: string; id: string; expiresAt: Date; cookie: string } {
      const token = newToken();
      return {
        token,
        id: sessionIdOf(token),
        expiresAt: new Date(Date.now() + sessionLifetimeDays * 24 * 3600 * 1000),
        cookie: lucia.createSessionCookie(token).serialize(),
      };
    },

    /**
     * Checks a token against the database. `cookie` is what to send back: a renewed cookie when
     * the expiry slid forward, a blank one when the token is no longer valid.
     */
    async validate(token: string): Promise<{ valid: ValidSession | null; cookie?: string }> {
      const blank = { valid: null, cookie: lucia.createBlankSessionCookie().serialize() };
      if (!tokenPattern.test(token)) return blank;
      const { session, user } = await lucia.validateSession(sessionIdOf(token));
      if (!session) return blank;
      // Credentials checked before (or in the same millisecond as) the last password change, as by
      // a login racing the change: void.
      const changed = user.passwordChangedAt;
      if (options.endSessionsOnPasswordChange && changed !== null && session.createdAt <= changed) {
        await lucia.invalidateSession(session.id);
        return blank;
      }
      return {
        valid: {
          session: { id: session.id, userId: session.userId, expiresAt: session.expiresAt },
          user: { id: user.id, username: user.username, email: user.email },
        },
        cookie: session.fresh ? lucia.createSessionCookie(token).serialize() : undefined,
      };
    },

    /** Expired sessions are deleted when next presented; this sweeps the ones nobody presents again. */
    async deleteExpired(): Promise<void> {
      await lucia.deleteExpiredSessions();
    },

    async invalidate(sessionId: string): Promise<void> {
      await lucia.invalidateSession(sessionId);
    },

    /** Max-Age=0 with the same HttpOnly, SameSite and Path as the real cookie. */
    blankCookie(): string {
      return lucia.createBlankSessionCookie().serialize();
    },

    /** The session token from a Cookie header (an empty cookie is no token). */
    readCookieToken(cookieHeader: string | null): string | null {
      return readCookie(cookieHeader, options.cookieName) || null;
    },

    readBearerToken(authorization: string | null): string | null {
      const match = authorization ? /^Bearer +(\S+)\s*$/i.exec(authorization) : null;
      return match ? match[1]! : null;
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
