/** A user as every flow and door sees it: never the hash or the credential version. */
export type Account = { id: string; username: string; email: string };

/**
 * A browser that has signed in to an account before, as its signed device cookie says (OWASP
 * "Slow Down Online Guessing Attacks with Device Cookies"; server/auth/devices.ts). The signature
 * was checked once per request by server/http/authenticate.ts; whether the account exists is not.
 */
export type KnownDevice = { id: string; accountId: string };

/**
 * Who is on the other end of a request, as far as the server can tell: recorded in the audit
 * trail and named in notices. The command line has none.
 */
export type Requester = {
  ip: string;
  userAgent: string | null;
  /** Its device cookie, when it carries one whose signature holds. */
  device?: KnownDevice | null;
};

/** The requester's device id when its device cookie names this account: failures then count against that device alone. */
export function knownDeviceFor(requester: Requester, accountId: string | undefined): string | null {
  const device = requester.device;
  return device && accountId !== undefined && device.accountId === accountId ? device.id : null;
}
