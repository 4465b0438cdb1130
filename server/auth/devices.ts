import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { KnownDevice } from "./account.js";

/**
 * Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): after a
 * successful sign-in the browser gets a cookie binding a random device id to the account, signed
 * with the app's secret. Failed password checks from a browser holding one count against that
 * device alone, so an attacker guessing from elsewhere cannot lock the owner out of the devices
 * they already use (server/auth/throttle.ts). The cookie proves a past sign-in, nothing more: it
 * is not a credential and signs nobody in.
 */

/** Long-lived, like the habit it records; browsers cap cookies at 400 days anyway. */
const lifetimeSeconds = 365 * 24 * 3600;

// device id . account id . HMAC-SHA-256, each base64url (account ids are UUIDs).
const tokenPattern = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/;

export type DeviceOptions = { secret: string; cookieName: string; secure: boolean };

export function createDeviceService(options: DeviceOptions) {
  // "device:" keeps these signatures apart from the form tokens signed with the same secret.
  const sign = (deviceId: string, accountId: string) =>
    createHmac("sha256", options.secret).update(`device:${deviceId}:${accountId}`).digest("base64url");

  return {
    cookieName: options.cookieName,

    /**
     * The token for a device that just signed in to `accountId`: the same device id when it already
     * was known to this account (its counter stays its own), a fresh random one otherwise.
     */
    issue(accountId: string, knownDeviceId: string | null): string {
      const id = knownDeviceId ?? randomBytes(16).toString("base64url");
      return `${id}.${accountId}.${sign(id, accountId)}`;
    },

    /** The device a cookie value names, or null when it is malformed or its signature does not hold. */
    verify(token: string | null): KnownDevice | null {
      const match = token ? tokenPattern.exec(token) : null;
      if (!match) return null;
      const [, id, accountId, mac] = match as unknown as [string, string, string, string];
      const expected = Buffer.from(sign(id, accountId));
      const given = Buffer.from(mac);
      return given.length === expected.length && timingSafeEqual(given, expected) ? { id, accountId } : null;
    },

    /** HttpOnly (page scripts never need it), SameSite=Lax and Path=/ like the session cookie. */
    cookie(token: string): string {
      return `${options.cookieName}=${token}; Max-Age=${lifetimeSeconds}; Path=/; HttpOnly; SameSite=Lax${options.secure ? "; Secure" : ""}`;
    },
  };
}

export type DeviceService = ReturnType<typeof createDeviceService>;
