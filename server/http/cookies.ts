/**
 * One cookie's value from a Cookie header, or null when it is not there. Tolerant of spacing
 * (Lucia's own reader splits on "; " exactly and misses cookies after a bare ";").
 */
export function readCookie(cookieHeader: string | null, name: string): string | null {
  if (!cookieHeader) return null;
  for (const pair of cookieHeader.split(";")) {
    const index = pair.indexOf("=");
    if (index !== -1 && pair.slice(0, index).trim() === name) return pair.slice(index + 1).trim();
  }
  return null;
}
