import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppOptions } from "../../server/app.js";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { seedFields, uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * After a password change the app says what happened, and only what happened: for each of the four
 * combinations of `invalidateSessions` × `afterPasswordChange`, through each of the three doors,
 * the hint before the change, the answer, the flash, the notice and the tRPC result all agree with
 * what actually became of this device and of a second, already signed-in one. In particular nothing
 * ever claims that the other devices were signed out when they were kept.
 */

const password = "original password 1";
const fresh = "a brand new password";
const pagePath = "/private/change-password";
const signedOutClaim = /signed out/i;

type Combination = {
  name: string;
  options: Required<Pick<AppOptions, "invalidateSessions" | "afterPasswordChange">>;
  hint: string;
  location: string;
  /** What becomes of the device that makes the change. */
  thisDevice: "signed-out" | "new-session" | "kept";
  otherDevices: "signed-out" | "kept";
  flash: string;
  notice: string;
  /** Sessions of the account left in the database: this device's (if any) and the other one's (if kept). */
  sessionsLeft: number;
};

const everyOtherSignedOut = "Every other device signed in to your account has been signed out.";
const othersStay = "Devices already signed in to your account stay signed in.";

const combinations: Combination[] = [
  {
    name: "invalidateSessions=true, sign-in-again",
    options: { invalidateSessions: true, afterPasswordChange: "sign-in-again" },
    hint: "After the change, you will be signed out everywhere and asked to sign in again.",
    location: "/login",
    thisDevice: "signed-out",
    otherDevices: "signed-out",
    flash: "Your password was changed. Sign in with your new password.",
    notice: everyOtherSignedOut,
    sessionsLeft: 0,
  },
  {
    name: "invalidateSessions=false, sign-in-again",
    options: { invalidateSessions: false, afterPasswordChange: "sign-in-again" },
    hint: "After the change, you will be asked to sign in again on this device; your other devices stay signed in.",
    location: "/login",
    thisDevice: "signed-out",
    otherDevices: "kept",
    flash: "Your password was changed. Sign in with your new password. Your other devices stay signed in.",
    notice: othersStay,
    sessionsLeft: 1,
  },
  {
    name: "invalidateSessions=true, stay-signed-in",
    options: { invalidateSessions: true, afterPasswordChange: "stay-signed-in" },
    hint: "After the change, this device stays signed in and every other device is signed out.",
    location: "/private/password-changed",
    thisDevice: "new-session",
    otherDevices: "signed-out",
    flash: "Your password was changed. 1 other device was signed out.",
    notice: everyOtherSignedOut,
    sessionsLeft: 1,
  },
  {
    name: "invalidateSessions=false, stay-signed-in",
    options: { invalidateSessions: false, afterPasswordChange: "stay-signed-in" },
    hint: "After the change, you stay signed in on this device and on your other devices.",
    location: "/private/password-changed",
    thisDevice: "kept",
    otherDevices: "kept",
    flash: "Your password was changed. Your other devices stay signed in.",
    notice: othersStay,
    sessionsLeft: 2,
  },
];

function decodeEntities(text: string): string {
  return text
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The one-shot message root.tsx renders, or null. */
function flashOf(html: string): string | null {
  const match = /<p class="flash" role="status">([^<]*)<\/p>/.exec(html);
  return match ? decodeEntities(match[1]!) : null;
}

/** The form's "what happens after the change" line, or null. */
function hintOf(html: string): string | null {
  const match = /<p class="hint">([^<]*)<\/p>/.exec(html);
  return match ? decodeEntities(match[1]!) : null;
}

/** Signed in means the private page answers 200; signed out, a 302 to the login page. */
async function signedIn(device: Device): Promise<boolean> {
  const response = await device.request(pagePath);
  await response.arrayBuffer();
  if (response.status === 200) return true;
  expect(response.status).toBe(302);
  expect(response.headers.get("location")).toMatch(/^\/login\b/);
  return false;
}

describe.each(combinations)("after a password change with $name", (combination) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer(combination.options);
  });
  afterAll(async () => {
    await server?.close();
  });

  async function noticeBodies(username: string): Promise<string[]> {
    return (await sqlOf(server.app.store).values("SELECT body FROM outbox WHERE recipient = ? ORDER BY id", `${username}@example.com`)) as string[];
  }

  async function sessionCount(username: string): Promise<number> {
    return (await sqlOf(server.app.store).value(`SELECT count(*) FROM session WHERE user_id = (SELECT id FROM "user" WHERE username = ?)`, username)) as number;
  }

  /** The notice: exactly one, saying what became of the other devices, and never more. */
  async function checkNotice(username: string) {
    const bodies = await noticeBodies(username);
    expect(bodies).toHaveLength(1);
    const body = bodies[0]!;
    expect(body).toContain(combination.notice);
    if (combination.otherDevices === "kept") {
      expect(body).not.toMatch(signedOutClaim);
      expect(body).not.toContain(everyOtherSignedOut);
    } else {
      expect(body).not.toContain(othersStay);
    }
    for (const secret of [password, fresh]) expect(body).not.toContain(secret);
  }

  /** The hint, read from the page a signed-in device gets before the change. */
  async function checkHint(device: Device) {
    const page = await device.request(pagePath);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(hintOf(html)).toBe(combination.hint);
    if (combination.otherDevices === "kept") expect(html).not.toMatch(signedOutClaim);
  }

  describe.each([
    { door: "form", send: (device: Device) => device.submitForm(pagePath, change()) },
    { door: "json", send: (device: Device) => device.postJson(pagePath, change()) },
  ])("through the $door door", ({ send }) => {
    it("does, answers, shows and sends only what is true", async () => {
      const username = uniqueName("page");
      const device = await signUpAndIn(server.url, { username, password });
      const other = new Device(server.url);
      expect((await signIn(other, { username, password })).status).toBe(303);
      expect(await signedIn(other)).toBe(true);
      const oldCookie = device.cookies.get("session");
      expect(oldCookie).toBeDefined();

      await checkHint(device);

      const response = await send(device);
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(combination.location);
      await response.arrayBuffer();
      const newCookie = device.cookies.get("session");

      // The flash on the page the redirect leads to, once (first: any page view takes it).
      const landing = await device.request(combination.location);
      expect(landing.status).toBe(200);
      const html = await landing.text();
      const flash = flashOf(html);
      expect(flash).toBe(combination.flash);
      if (combination.otherDevices === "kept") {
        expect(flash).not.toMatch(signedOutClaim);
        expect(html).not.toMatch(signedOutClaim);
      }
      expect(flashOf(await (await device.request(combination.location)).text())).toBeNull();

      // This device.
      if (combination.thisDevice === "signed-out") {
        expect(newCookie).toBeUndefined();
        expect(await signedIn(device)).toBe(false);
      } else if (combination.thisDevice === "new-session") {
        expect(newCookie).toBeDefined();
        expect(newCookie).not.toBe(oldCookie);
        expect(await signedIn(device)).toBe(true);
      } else {
        expect(newCookie).toBe(oldCookie);
        expect(await signedIn(device)).toBe(true);
      }
      // Its old cookie, replayed from elsewhere, works only when the session was kept.
      const stale = new Device(server.url);
      stale.cookies.set("session", oldCookie!);
      expect(await signedIn(stale)).toBe(combination.thisDevice === "kept");

      // The other device.
      expect(await signedIn(other)).toBe(combination.otherDevices === "kept");
      expect(await sessionCount(username)).toBe(combination.sessionsLeft);

      await checkNotice(username);
    });
  });

  describe("through the tRPC door (bearer token)", () => {
    it("does, answers and sends only what is true", async () => {
      const username = uniqueName("trpc");
      const url = `${server.url}/trpc`;
      // Registered without signing in, so that the bearer session and the other device are the only two.
      await createClient({ url }).auth.register.mutate({
        username,
        email: `${username}@example.com`,
        password,
        confirmPassword: password,
      });
      const { token } = await createClient({ url }).auth.login.mutate({ username, password });
      const client = createClient({ url, token });
      expect((await client.auth.me.query())?.user.username).toBe(username);
      const other = new Device(server.url);
      expect((await signIn(other, { username, password })).status).toBe(303);
      expect(await signedIn(other)).toBe(true);
      expect(await sessionCount(username)).toBe(2);

      // No page for a bearer client: the signed-in browser reads the same hint before the change.
      await checkHint(other);

      const result = await client.auth.changePassword.mutate({ currentPassword: password, newPassword: fresh });
      const otherCount =
        combination.otherDevices === "kept"
          ? { otherDevices: "kept", otherSessionsEnded: 0, otherSessionsKept: 1 }
          : { otherDevices: "signed-out", otherSessionsEnded: 1, otherSessionsKept: 0 };
      const ownEnded = combination.thisDevice === "kept" ? 0 : 1;
      expect(result).toMatchObject({
        mode: combination.options.afterPasswordChange,
        signedOut: combination.thisDevice === "signed-out",
        redirectTo: combination.location,
        revokedSessions: otherCount.otherSessionsEnded + ownEnded,
        ...otherCount,
      });

      // This device (the token).
      const before = createClient({ url, token });
      if (combination.thisDevice === "signed-out") {
        expect("token" in result).toBe(false);
        expect(await before.auth.me.query()).toBeNull();
      } else if (combination.thisDevice === "new-session") {
        if (result.signedOut) throw new Error("expected to stay signed in");
        expect(result.token).toEqual(expect.any(String));
        expect(result.token).not.toBe(token);
        expect(result.expiresAt).toEqual(expect.any(String));
        expect(await before.auth.me.query()).toBeNull();
        expect((await createClient({ url, token: result.token! }).auth.me.query())?.user.username).toBe(username);
      } else {
        if (result.signedOut) throw new Error("expected to stay signed in");
        expect(result.token).toBeNull();
        expect(result.expiresAt).toBeNull();
        expect((await before.auth.me.query())?.user.username).toBe(username);
      }

      // The other device.
      expect(await signedIn(other)).toBe(combination.otherDevices === "kept");
      expect(await sessionCount(username)).toBe(combination.sessionsLeft);

      await checkNotice(username);
    });
  });
});

function change() {
  return seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh });
}
