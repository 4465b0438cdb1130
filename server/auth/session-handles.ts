import { createHmac } from "node:crypto";

/**
 * The ids under which the list of signed-in devices shows sessions to pages and clients: an HMAC
 * of the stored session id under the app's secret, cut to 128 bits. Stable for a session and
 * unguessable, yet neither the token (which signs in) nor the stored id (the token's hash, which
 * the database and the rate limiter's keys are built on), and meaningless outside this app. A
 * handle is looked up only among the caller's own sessions, so one of another account's sessions
 * is as unknown as one that never existed.
 */
export function createSessionHandles(secret: string) {
  return {
    // "session-handle:" keeps these apart from the form tokens and device cookies signed with the same secret.
    of: (sessionId: string): string => createHmac("sha256", secret).update(`session-handle:${sessionId}`).digest("base64url").slice(0, 22),
  };
}

export type SessionHandles = ReturnType<typeof createSessionHandles>;
