/**
 * Cross-site request refusal for every state-changing request (OWASP CSRF cheat sheet, "verify
 * origin with standard headers"): a browser says where a request comes from in `Origin` or, when
 * it leaves that out, in `Sec-Fetch-Site`; either must name this site. `Origin: null` (sandboxed
 * frames, opaque redirects) is never this site.
 *
 * Requests that a bearer token actually authenticated are exempt: browsers never attach that
 * header on their own, and the cookie plays no part in them. A broken or unknown bearer header
 * exempts nothing. A request with neither origin header and no session cookie is a program, not
 * a browser (curl, the typed client), and carries no ambient credentials to abuse, so it passes;
 * with the cookie, it is refused.
 */
export function isCrossSiteRequest(
  request: Request,
  options: { origin: string; authenticatedByBearer: boolean; hasSessionCookie: boolean },
): boolean {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return false;
  if (options.authenticatedByBearer) return false;
  const origin = request.headers.get("origin");
  if (origin !== null) return origin !== options.origin;
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) return site !== "same-origin";
  return options.hasSessionCookie;
}
