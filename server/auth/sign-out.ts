import type { Requester } from "./account.js";
import type { AuthDependencies } from "./dependencies.js";

/** Ends one session (this device's) and records it. Signing out when signed out is not an error. */
export async function signOut(
  deps: AuthDependencies,
  input: { session: { id: string; userId: string } | null; requester: Requester },
): Promise<{ ok: true; signedOut: boolean }> {
  if (!input.session) return { ok: true, signedOut: false };
  await deps.sessions.invalidate(input.session.id);
  await deps.events.record({ type: "logged_out", userId: input.session.userId, requester: input.requester });
  return { ok: true, signedOut: true };
}
