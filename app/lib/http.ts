/** `<loginUrl>?redirectTo=<path>`, keeping the path readable (slashes unescaped). */
export function loginRedirectUrl(loginUrl: string, returnTo: string): string {
  const separator = loginUrl.includes("?") ? "&" : "?";
  return `${loginUrl}${separator}redirectTo=${encodeURIComponent(returnTo).replace(/%2F/g, "/")}`;
}

/**
 * Only a path on this site: "/x" but not "//evil.example" or "/\evil.example", which browsers
 * treat as other hosts. Anything else falls back.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\u007f]/.test(to)) return fallback;
  return to;
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
