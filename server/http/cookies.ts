/**
 * Adds the cookies that procedures queued on `resHeaders` to a door's response. A cookie the
 * response sets itself wins, and of several queued for one name the last wins (a blank cookie
 * after a renewed one, say).
 */
export function withQueuedCookies(response: Response, queued: Headers): Response {
  const cookies = queued.getSetCookie();
  if (cookies.length === 0) return response;
  const own = new Set(response.headers.getSetCookie().map(cookieName));
  const last = new Map<string, string>();
  for (const cookie of cookies) last.set(cookieName(cookie), cookie);
  // Responses from Response.redirect() have immutable headers: copy to be safe.
  const result = new Response(response.body, response);
  for (const [name, cookie] of last) {
    if (!own.has(name)) result.headers.append("set-cookie", cookie);
  }
  return result;
}

function cookieName(setCookie: string): string {
  return setCookie.slice(0, setCookie.indexOf("=")).trim();
}
