/**
 * Browser and system names from a User-Agent header, for the change notice (server/notify) and the
 * list of signed-in devices (server/auth). Only names from the lists below ever leave here: the
 * header is the client's free text, and an attacker once wrote a fake reassurance into a real
 * security notice through it. Plain code with no imports, so any layer may use it.
 */

const browsers = [
  [/Edg\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrome\/|Chromium\//, "Chrome"],
  [/Safari\//, "Safari"],
  [/curl\//, "curl"],
] as const;

const systems = [
  [/Android/, "Android"],
  [/iPhone|iPad|iOS/, "iOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux|X11/, "Linux"],
] as const;

export type BrowserName = (typeof browsers)[number][1];
export type SystemName = (typeof systems)[number][1];

/** Each name from its fixed list, or null when the header (if any) names none of them. */
export function browserAndSystem(userAgent: string | null): { browser: BrowserName | null; system: SystemName | null } {
  if (!userAgent) return { browser: null, system: null };
  return {
    browser: browsers.find(([pattern]) => pattern.test(userAgent))?.[1] ?? null,
    system: systems.find(([pattern]) => pattern.test(userAgent))?.[1] ?? null,
  };
}

/** "Firefox on Linux", "an unknown browser on Linux", "an unknown browser": for a sentence. */
export function describeBrowser(userAgent: string | null): string {
  const { browser, system } = browserAndSystem(userAgent);
  const name = browser ?? "an unknown browser";
  return system ? `${name} on ${system}` : name;
}
