import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * CSRF tokens for the no-JavaScript forms (OWASP's synchronizer-token pattern, stateless): an HMAC
 * of the session id with a server secret. Bound to the session, so a token from another session,
 * or from before a sign-in, is worthless.
 */
export function createFormTokens(secret: string) {
  const sign = (sessionId: string) => createHmac("sha256", secret).update(`form:${sessionId}`).digest("base64url");
  return {
    issue: sign,
    verify(sessionId: string, token: unknown): boolean {
      if (typeof token !== "string") return false;
      const expected = Buffer.from(sign(sessionId));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export type FormTokens = ReturnType<typeof createFormTokens>;
