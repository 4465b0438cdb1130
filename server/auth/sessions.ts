import { BetterSqlite3Adapter } from "@lucia-auth/adapter-sqlite";
import { Lucia } from "lucia";
import type { Db } from "../../db/database.js";

/**
 * Sessions: the one module that knows about Lucia (deprecated upstream; replacing it touches
 * only this file). Everything else sees tokens, users and Set-Cookie strings.
 */

export type SessionUser = { id: string; username: string; email: string };
export type Session = { id: string; userId: string; expiresAt: Date };
export type ValidSession = { session: Session; user: SessionUser };

type UserColumns = { username: string; email: string };

function createLucia(db: Db, options: { cookieName: string; secure: boolean }) {
  const adapter = new BetterSqlite3Adapter(db, { user: "user", session: "session" });
  return new Lucia(adapter, {
    sessionCookie: {
      name: options.cookieName,
      // Secure only when the public origin is https, so the http demo on localhost still works.
      attributes: { secure: options.secure, sameSite: "lax" },
    },
    // Whitelist: the adapter hands over every column of the user row, password_hash included.
    getUserAttributes: (columns: UserColumns) => ({ username: columns.username, email: columns.email }),
  });
}

declare module "lucia" {
  interface Register {
    Lucia: ReturnType<typeof createLucia>;
    DatabaseUserAttributes: UserColumns;
  }
}

export function createSessionService(db: Db, options: { cookieName: string; secure: boolean }) {
  const lucia = createLucia(db, options);

  return {
    cookieName: options.cookieName,

    /** Starts a session; the token goes in the cookie or an Authorization header. */
    async create(userId: string): Promise<{ token: string; cookie: string; expiresAt: Date }> {
      const session = await lucia.createSession(userId, {});
      return {
        token: session.id,
        cookie: lucia.createSessionCookie(session.id).serialize(),
        expiresAt: session.expiresAt,
      };
    },

    /**
     * Checks a token against the database. `cookie` is what to send back: a renewed cookie when
     * the expiry slid forward, a blank one when the token is no longer valid.
     */
    async validate(token: string): Promise<{ valid: ValidSession | null; cookie?: string }> {
      const { session, user } = await lucia.validateSession(token);
      if (!session) return { valid: null, cookie: lucia.createBlankSessionCookie().serialize() };
      return {
        valid: {
          session: { id: session.id, userId: session.userId, expiresAt: session.expiresAt },
          user: { id: user.id, username: user.username, email: user.email },
        },
        cookie: session.fresh ? lucia.createSessionCookie(session.id).serialize() : undefined,
      };
    },

    async invalidate(sessionId: string): Promise<void> {
      await lucia.invalidateSession(sessionId);
    },

    /** Max-Age=0 with the same HttpOnly, SameSite and Path as the real cookie. */
    blankCookie(): string {
      return lucia.createBlankSessionCookie().serialize();
    },

    /** The session token from a Cookie header; tolerant of spacing, unlike Lucia's own reader. */
    readCookieToken(cookieHeader: string | null): string | null {
      if (!cookieHeader) return null;
      for (const pair of cookieHeader.split(";")) {
        const index = pair.indexOf("=");
        if (index === -1) continue;
        if (pair.slice(0, index).trim() !== options.cookieName) continue;
        const value = pair.slice(index + 1).trim();
        return value === "" ? null : value;
      }
      return null;
    },

    readBearerToken(authorization: string | null): string | null {
      const match = authorization ? /^Bearer +(\S+)\s*$/i.exec(authorization) : null;
      return match ? match[1]! : null;
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
