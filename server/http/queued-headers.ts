/**
 * Adds what procedures queued on `resHeaders` (cookies, Retry-After) to a door's response. A cookie
 * the response sets itself wins, and of several queued for one name the last wins (a blank cookie
 * after a renewed one, say).
 */
export function withQueuedHeaders(response: Response, queued: Headers): Response {
  const cookies = queued.getSetCookie();
  const retryAfter = queued.get("retry-after");
  if (cookies.length === 0 && retryAfter === null) return response;
  // Responses from Response.redirect() have immutable headers: copy to be safe.
  const result = new Response(response.body, response);
  if (retryAfter !== null && !result.headers.has("retry-after")) result.headers.set("retry-after", retryAfter);
  const own = new Set(response.headers.getSetCookie().map(cookieName));
  const last = new Map<string, string>();
  for (const cookie of cookies) last.set(cookieName(cookie), cookie);
  for (const [name, cookie] of last) {
    if (!own.has(name)) result.headers.append("set-cookie", cookie);
  }
  return result;
}

function cookieName(setCookie: string): string {
  return setCookie.slice(0, setCookie.indexOf("=")).trim();
}
