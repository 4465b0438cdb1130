import type { KnownDevice } from "../auth/account.js";
import type { DeviceService } from "../auth/devices.js";
import type { SessionService, ValidSession } from "../auth/sessions.js";
import type { RequestCookies } from "./cookies.js";

/** Who a request is signed in as, and with which credential. */
export type Authentication = ValidSession & { via: "cookie" | "bearer" };

export type RequestAuthentication = {
  /** Null when no token was presented or the one presented is not valid. */
  auth: Authentication | null;
  /** A renewed or blank session cookie to send back (only when the token came in a cookie). */
  setCookie: string | null;
  /** The request carries a session cookie (valid or not): a browser's ambient credential. */
  hasSessionCookie: boolean;
  /**
   * It carries a session cookie (and no bearer token) that no longer signs anyone in: the session
   * ended while the browser held it, as when a password change on another device signed it out.
   */
  sessionEnded: boolean;
  /** Its device cookie, when the signature holds: a browser that signed in to that account before. */
  device: KnownDevice | null;
  /**
   * Sent by a browser: it says where the request comes from (`Origin`, `Sec-Fetch-Site`), which
   * programs such as curl or the typed client from Node do not. Browsers get the session only in
   * the HttpOnly cookie, never a token that page scripts could read.
   */
  browser: boolean;
};

const bearerPattern = /^Bearer +([^\s]+)\s*$/i;

/**
 * Authenticates a request once, before any door sees it: each header is parsed here and nowhere
 * else, and every door (tRPC, the pages, the JSON POST) is handed the same answer. A bearer token
 * wins over the cookie; a malformed or unknown one authenticates nothing and does not fall back
 * to the cookie.
 */
export async function authenticate(
  request: Request,
  cookies: RequestCookies,
  { sessions, devices }: { sessions: SessionService; devices: DeviceService },
): Promise<RequestAuthentication> {
  const { headers } = request;
  const authorization = headers.get("authorization");
  // An empty session cookie is no token.
  const cookie = cookies.get(sessions.cookieName) || null;
  const seen = {
    hasSessionCookie: cookie !== null,
    device: devices.verify(cookies.get(devices.cookieName) ?? null),
    browser: isBrowser(headers),
  };
  if (authorization !== null && /^Bearer\b/i.test(authorization)) {
    const token = bearerPattern.exec(authorization)?.[1];
    const { valid } = token ? await sessions.validate(token) : { valid: null };
    return { auth: valid ? { ...valid, via: "bearer" } : null, setCookie: null, sessionEnded: false, ...seen };
  }
  if (cookie === null) return { auth: null, setCookie: null, sessionEnded: false, ...seen };
  const { valid, cookie: setCookie } = await sessions.validate(cookie);
  return { auth: valid ? { ...valid, via: "cookie" } : null, setCookie: setCookie ?? null, sessionEnded: !valid, ...seen };
}

/**
 * Browsers send `Origin` on every POST and the Fetch Metadata headers (`Sec-Fetch-Site`,
 * `-Dest`, `-User`) on every request. `Sec-Fetch-Mode` alone proves nothing: Node's own fetch
 * (undici, under the typed client) adds `Sec-Fetch-Mode: cors` to everything it sends.
 */
function isBrowser(headers: Headers): boolean {
  return ["origin", "sec-fetch-site", "sec-fetch-dest", "sec-fetch-user"].some((name) => headers.has(name));
}
