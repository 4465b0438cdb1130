/** A request's cookies by name, read once (server/router.ts) and handed to whoever needs one. */
export type RequestCookies = ReadonlyMap<string, string>;

/**
 * Every cookie of a Cookie header; of two with one name the first counts. Tolerant of spacing
 * (Lucia's own reader splits on "; " exactly and misses cookies after a bare ";").
 */
export function parseCookies(cookieHeader: string | null): RequestCookies {
  const cookies = new Map<string, string>();
  for (const pair of (cookieHeader ?? "").split(";")) {
    const index = pair.indexOf("=");
    if (index === -1) continue;
    const name = pair.slice(0, index).trim();
    if (!cookies.has(name)) cookies.set(name, pair.slice(index + 1).trim());
  }
  return cookies;
}
