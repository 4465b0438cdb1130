/**
 * Headers for every response (OWASP Secure Headers). helmet is Express middleware and this server
 * speaks fetch's Response, so the few headers we need are set here directly.
 */
export function withSecurityHeaders(response: Response, nonce: string): Response {
  const headers = response.headers;
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "same-origin");
  headers.set("x-frame-options", "DENY");
  headers.set("cross-origin-opener-policy", "same-origin");
  if ((headers.get("content-type") ?? "").startsWith("text/html")) {
    // Enforced, not report-only. Remix's inline scripts and our inline colours carry the nonce.
    headers.set(
      "content-security-policy",
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        `style-src 'self' 'nonce-${nonce}'`,
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
      ].join("; "),
    );
  }
  return response;
}
