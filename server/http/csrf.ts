/**
 * The CSRF baseline (OWASP's "verify origin with standard headers"): a state-changing request that a
 * browser authenticates with our cookie must come from our own origin. Bearer tokens are never sent
 * by a browser on its own, so bearer requests are exempt.
 */
export function isCrossSiteCookieRequest(
  request: Request,
  options: { cookieName: string; origin: string; hasSessionCookie: (cookieHeader: string | null) => boolean },
): boolean {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return false;
  if (/^Bearer\s/i.test(request.headers.get("authorization") ?? "")) return false;
  if (!options.hasSessionCookie(request.headers.get("cookie"))) return false;
  const origin = request.headers.get("origin");
  // "null" (sandboxed frames, some redirects) never matches a real origin.
  if (origin !== null) return origin !== options.origin;
  return request.headers.get("sec-fetch-site") !== "same-origin";
}
