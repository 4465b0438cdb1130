/** `<loginUrl>?redirectTo=<path>`, keeping the path readable (slashes unescaped). */
export function loginRedirectUrl(loginUrl: string, returnTo: string): string {
  const separator = loginUrl.includes("?") ? "&" : "?";
  return `${loginUrl}${separator}redirectTo=${encodeURIComponent(returnTo).replace(/%2F/g, "/")}`;
}

const sameSite = "http://same-site.invalid";

/**
 * Only a path on this site, as plain ASCII: "/x" but not "//evil.example" or "/\\evil.example",
 * which browsers treat as other hosts, nor anything that becomes one once dot segments are
 * resolved ("/.//evil.example"). Non-ASCII and other characters that may not appear raw in a URL
 * are percent-encoded, so the result is always a valid Location header value. Anything else
 * falls back.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof to !== "string" || !isSameSitePath(to)) return fallback;
  // URL parsing drops tabs and newlines ("/\t/evil.example" would read as "//evil.example"): refuse them first.
  if (/[\u0000-\u001f\u007f]/.test(to)) return fallback;
  if (!URL.canParse(to, sameSite)) return fallback;
  const url = new URL(to, sameSite);
  if (url.origin !== sameSite) return fallback;
  const path = percentEncodeUnsafe(url.pathname + url.search + url.hash);
  return isSameSitePath(path) ? path : fallback;
}

function isSameSitePath(path: string): boolean {
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\");
}

/**
 * Percent-encodes (as UTF-8) every character RFC 3986 does not allow raw in a URI, and a "%" that
 * does not start an escape; existing escapes are kept as they are.
 */
export function percentEncodeUnsafe(text: string): string {
  return text
    .toWellFormed()
    .replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?#[\]%]/gu, (character) => encodeURIComponent(character));
}

/** Reads a form body; a body that is not form data reads as an empty form, never as an error page. */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    return new FormData();
  }
}

/** The hidden input that carries the session-bound CSRF token in the no-JavaScript forms. */
export const formTokenField = "csrf";
export const formExpiredMessage = "This form has expired. Reload the page and try again.";
