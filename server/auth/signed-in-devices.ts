import type { LiveSession } from "../../db/store.js";
import { browserAndSystem, type BrowserName, type SystemName } from "../browser-names.js";
import type { Requester } from "./account.js";
import type { AuthDependencies } from "./dependencies.js";
import { fail, type Failure } from "./failures.js";

/**
 * The account's signed-in devices (its live sessions), and signing them out one by one or all but
 * this one. The session that asks is the one validated at the start of the request; every lookup
 * is confined to its account, so another account's sessions can be neither seen nor ended.
 */

/** The session the request was authenticated with. */
type AskingSession = { id: string; userId: string };

/** One signed-in device, as a page or a client sees it: names from fixed lists, never the User-Agent text. */
export type SignedInDevice = {
  /** Opaque (server/auth/session-handles.ts): neither the token nor the stored id. */
  id: string;
  /** The device that is asking. */
  current: boolean;
  browser: BrowserName | null;
  system: SystemName | null;
  /** The address it signed in from; null for sessions started before addresses were kept. */
  ip: string | null;
  signedInAt: number;
  /** Milliseconds; recorded at most once per 5 minutes (server/auth/sessions.ts), now for the current device, null when never recorded. */
  lastSeenAt: number | null;
};

export async function listSignedInDevices(deps: AuthDependencies, input: { session: AskingSession }): Promise<{ ok: true; devices: SignedInDevice[] }> {
  const { session } = input;
  const live = await deps.sessions.listLive(session.userId);
  const devices = live.map((row) => describe(deps, row, session.id));
  // This device first, then the others as the store ordered them (last seen first).
  devices.sort((a, b) => Number(b.current) - Number(a.current));
  return { ok: true, devices };
}

export type SignOutDeviceResult = { ok: true; device: Pick<SignedInDevice, "browser" | "system"> } | Failure<"no_such_device" | "this_device">;

/**
 * Ends one other device's session. An id that is not one of this account's live sessions (another
 * account's, one already ended, one made up) gets the same answer, so nothing is learnt of it.
 */
export async function signOutDevice(
  deps: AuthDependencies,
  input: { session: AskingSession; id: string; requester: Requester },
): Promise<SignOutDeviceResult> {
  const { session, id, requester } = input;
  const live = await deps.sessions.listLive(session.userId);
  const target = live.find((row) => deps.sessionHandles.of(row.id) === id);
  if (!target) return fail("no_such_device");
  // This device signs out through "Sign out", which also clears its cookie.
  if (target.id === session.id) return fail("this_device");
  // Ended meanwhile (another tab, a password change): the same answer as any unknown id.
  if (!(await deps.sessions.endOwned(session.userId, target.id))) return fail("no_such_device");
  await deps.events.record({ type: "device_signed_out", userId: session.userId, requester });
  return { ok: true, device: browserAndSystem(target.userAgent) };
}

/** Ends every session of the account but this one; how many signed-in devices that was. */
export async function signOutOtherDevices(
  deps: AuthDependencies,
  input: { session: AskingSession; requester: Requester },
): Promise<{ ok: true; signedOut: number }> {
  const { session, requester } = input;
  const signedOut = await deps.sessions.endOthers(session.userId, session.id);
  await deps.events.record({ type: "other_devices_signed_out", userId: session.userId, requester });
  return { ok: true, signedOut };
}

function describe(deps: AuthDependencies, row: LiveSession, currentId: string): SignedInDevice {
  const current = row.id === currentId;
  return {
    id: deps.sessionHandles.of(row.id),
    current,
    ...browserAndSystem(row.userAgent),
    ip: row.ip,
    signedInAt: row.createdAt,
    // This request is the device being seen, whatever the stored record (kept coarse on purpose) says.
    lastSeenAt: current ? deps.now() : row.lastSeenAt,
  };
}
