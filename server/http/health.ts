import type { Store } from "../../db/store.js";
import { plainResponse } from "./responses.js";

/**
 * The two questions a load balancer or an orchestrator asks, answered before anything else looks
 * at the request (no session lookup, no Remix, no body parsing), so that they stay cheap and say
 * nothing about who is asking:
 *
 * - `/healthz` (liveness): the process is up and its event loop answers. Nothing else is checked,
 *   on purpose: a failing database is no reason to restart the process.
 * - `/readyz` (readiness): send traffic here. The database answers, carries every migration this
 *   code ships, and the server is not shutting down. Otherwise 503 with a short reason.
 *
 * Never cached: a proxy must not answer a probe with yesterday's "ready".
 */

/** Why the server should not get traffic now, or null when it should. */
export type ReadinessCheck = () => Promise<string | null>;

/** How soon a probe that was told "not ready" may ask again. */
const retryAfterSeconds = 5;

/** The probe's answer, or null when the request is not a probe. */
export async function probeResponse(request: Request, { pathname }: URL, readiness: ReadinessCheck): Promise<Response | null> {
  if (pathname !== "/healthz" && pathname !== "/readyz") return null;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return plainResponse(405, "Method not allowed.", { allow: "GET, HEAD" });
  }
  if (pathname === "/healthz") return plainResponse(200, "ok");
  const reason = await readiness();
  return reason === null
    ? plainResponse(200, "ready")
    : plainResponse(503, `not ready: ${reason}`, { "retry-after": String(retryAfterSeconds) });
}

/**
 * Readiness from the server's own state: not while it shuts down, nor while the database cannot be
 * read or lacks a migration this code needs (an older copy restored into the live file, say). The
 * reasons are fixed phrases: a probe may be public, and a database error message is not for it.
 */
export function serverReadiness(store: Pick<Store, "pendingMigrations">, isShuttingDown: () => boolean): ReadinessCheck {
  return async () => {
    if (isShuttingDown()) return "shutting down";
    try {
      return (await store.pendingMigrations()).length === 0 ? null : "database migrations pending";
    } catch {
      return "database unavailable";
    }
  };
}
