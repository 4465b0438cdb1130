import type { SessionService, ValidSession } from "../auth/sessions.js";
import { readCookie } from "./cookies.js";

/** Who a request is signed in as, and with which credential. */
export type Authentication = ValidSession & { via: "cookie" | "bearer" };

export type RequestAuthentication = {
  /** Null when no token was presented or the one presented is not valid. */
  auth: Authentication | null;
  /** A renewed or blank session cookie to send back (only when the token came in a cookie). */
  setCookie: string | null;
  /** The request carries a session cookie (valid or not): a browser's ambient credential. */
  hasSessionCookie: boolean;
};

const bearerPattern = /^Bearer +([^\s]+)\s*$/i;

/**
 * Authenticates a request once, before any door sees it: each header is parsed here and nowhere
 * else, and every door (tRPC, the pages, the JSON POST) is handed the same answer. A bearer token
 * wins over the cookie; a malformed or unknown one authenticates nothing and does not fall back
 * to the cookie.
 */
export async function authenticate(request: Request, sessions: SessionService): Promise<RequestAuthentication> {
  const authorization = request.headers.get("authorization");
  const cookie = readCookie(request.headers.get("cookie"), sessions.cookieName) || null;
  const hasSessionCookie = cookie !== null;
  if (authorization !== null && /^Bearer\b/i.test(authorization)) {
    const token = bearerPattern.exec(authorization)?.[1];
    const { valid } = token ? await sessions.validate(token) : { valid: null };
    return { auth: valid ? { ...valid, via: "bearer" } : null, setCookie: null, hasSessionCookie };
  }
  if (cookie === null) return { auth: null, setCookie: null, hasSessionCookie };
  const { valid, cookie: setCookie } = await sessions.validate(cookie);
  return { auth: valid ? { ...valid, via: "cookie" } : null, setCookie: setCookie ?? null, hasSessionCookie };
}
