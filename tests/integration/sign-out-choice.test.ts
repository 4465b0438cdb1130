import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppOptions } from "../../server/app.js";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * "Sign out of all other devices" on the change form (SIGN_OUT_OTHER_DEVICES_CHOICE): when offered,
 * the owner decides per change through each of the three doors (the form's checkbox, the JSON
 * door's `sign_out_other_devices`, tRPC's `signOutOtherDevices`); when not offered, whatever is
 * sent, INVALIDATE_SESSIONS decides exactly as before. Every door's answer, the flash and the
 * notice say what really became of the other device.
 */

const password = "original password 1";
const fresh = "a brand new password";
const pagePath = "/private/change-password";
const field = "sign_out_other_devices";

type Setting = { name: string; options: Pick<AppOptions, "signOutOtherDevicesChoice" | "invalidateSessions">; offered: boolean; hint: string };

const settings: Setting[] = [
  {
    name: "offered",
    options: { signOutOtherDevicesChoice: true },
    offered: true,
    hint: 'After the change, you will be asked to sign in again on this device; your other devices are signed out only if you choose "Sign out of all other devices".',
  },
  {
    name: "not offered (the default), INVALIDATE_SESSIONS on",
    options: {},
    offered: false,
    hint: "After the change, you will be signed out everywhere and asked to sign in again.",
  },
  {
    name: "not offered, INVALIDATE_SESSIONS off",
    options: { invalidateSessions: false },
    offered: false,
    hint: "After the change, you will be asked to sign in again on this device; your other devices stay signed in.",
  },
];

const flashes = {
  "signed-out": "Your password was changed. Sign in with your new password.",
  kept: "Your password was changed. Sign in with your new password. Your other devices stay signed in.",
};
const notices = {
  "signed-out": "Every other device signed in to your account has been signed out.",
  kept: "Devices already signed in to your account stay signed in.",
};

function decodeEntities(text: string): string {
  return text.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const flashOf = (html: string) => decodeEntities(/<p class="flash" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? "") || null;
const hintOf = (html: string) => decodeEntities(/<p class="hint">([^<]*)<\/p>/.exec(html)?.[1] ?? "") || null;

/** The change form as a browser sends it: the checkbox's hidden "no", then "yes" when ticked. */
async function sendForm(device: Device, signOutOthers: boolean): Promise<Response> {
  const body = new URLSearchParams([
    ["csrf", await device.formToken(pagePath)],
    ["current_password", password],
    ["new_password", fresh],
    ["confirm_new_password", fresh],
    [field, "no"],
  ]);
  if (signOutOthers) body.append(field, "yes");
  return device.request(pagePath, { method: "POST", body });
}

describe.each(settings)("the other-devices choice $name", (setting) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(setting.options);
  });
  afterAll(() => server?.close());

  /** What the other devices should have become when the owner asked for `signOutOthers`. */
  const expected = (signOutOthers: boolean): "signed-out" | "kept" =>
    setting.offered ? (signOutOthers ? "signed-out" : "kept") : setting.options.invalidateSessions === false ? "kept" : "signed-out";

  async function otherSignedIn(other: Device): Promise<boolean> {
    const response = await other.request(pagePath);
    await response.arrayBuffer();
    return response.status === 200;
  }

  async function noticeOf(username: string): Promise<string> {
    const bodies = await sqlOf(server.app.store).values<string>("SELECT body FROM outbox WHERE recipient = ?", `${username}@example.com`);
    expect(bodies).toHaveLength(1);
    return bodies[0]!;
  }

  /** An account signed in on the device that changes the password and on one other. */
  async function twoDevices(prefix: string) {
    const username = uniqueName(prefix);
    const device = await signUpAndIn(server.url, { username, password });
    const other = new Device(server.url);
    expect((await signIn(other, { username, password })).status).toBe(303);
    return { username, device, other };
  }

  it(setting.offered ? "shows the checkbox, ticked as INVALIDATE_SESSIONS says, and a hint true either way" : "shows no checkbox", async () => {
    const { device } = await twoDevices("page");
    const html = await (await device.request(pagePath)).text();
    expect(hintOf(html)).toBe(setting.hint);
    if (!setting.offered) {
      expect(html).not.toContain(field);
      return;
    }
    const checkbox = /<input type="checkbox"[^>]*>/.exec(html)?.[0] ?? "";
    expect(checkbox).toContain('name="sign_out_other_devices"');
    expect(checkbox).toContain('value="yes"');
    expect(checkbox.includes('checked=""')).toBe(setting.options.invalidateSessions !== false);
    // The hidden "no" comes first, so an unticked box still answers.
    expect(html.indexOf('type="hidden" name="sign_out_other_devices" value="no"')).toBeLessThan(html.indexOf(checkbox));
    expect(html).toContain('<label for="field-sign-out-other-devices">Sign out of all other devices</label>');
  });

  describe.each([true, false])("when the owner asks to sign the others out: %s", (signOutOthers) => {
    it("through the form: the redirect, the flash, the other device and the notice agree", async () => {
      const { username, device, other } = await twoDevices("form");
      const response = await sendForm(device, signOutOthers);
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/login");
      const outcome = expected(signOutOthers);
      expect(flashOf(await (await device.request("/login")).text())).toBe(flashes[outcome]);
      expect(await otherSignedIn(other)).toBe(outcome === "kept");
      expect(await noticeOf(username)).toContain(notices[outcome]);
    });

    it("through the JSON door", async () => {
      const { username, device, other } = await twoDevices("json");
      const response = await device.postJson(pagePath, {
        current_password: password,
        new_password: fresh,
        confirm_new_password: fresh,
        [field]: signOutOthers,
      });
      expect(response.status).toBe(303);
      const outcome = expected(signOutOthers);
      expect(flashOf(await (await device.request("/login")).text())).toBe(flashes[outcome]);
      expect(await otherSignedIn(other)).toBe(outcome === "kept");
      expect(await noticeOf(username)).toContain(notices[outcome]);
    });

    it("through tRPC: the answer says what happened", async () => {
      const { username, other } = await twoDevices("trpc");
      const url = `${server.url}/trpc`;
      const { token } = await createClient({ url }).auth.login.mutate({ username, password });
      const result = await createClient({ url, token }).auth.changePassword.mutate({
        currentPassword: password,
        newPassword: fresh,
        signOutOtherDevices: signOutOthers,
      });
      const outcome = expected(signOutOthers);
      // Two other sessions: the browser that registered and signed in, and `other`.
      expect(result).toMatchObject({
        signedOut: true,
        otherDevices: outcome,
        otherSessionsEnded: outcome === "kept" ? 0 : 2,
        otherSessionsKept: outcome === "kept" ? 2 : 0,
      });
      expect(await otherSignedIn(other)).toBe(outcome === "kept");
      expect(await noticeOf(username)).toContain(notices[outcome]);
    });
  });

  it("refuses a value that is neither yes nor no, changing nothing", async () => {
    const { username, device } = await twoDevices("odd");
    const json = await device.postJson(pagePath, { current_password: password, new_password: fresh, confirm_new_password: fresh, [field]: "maybe" });
    expect(json.status).toBe(422);
    expect(await json.json()).toEqual({ detail: "Form is invalid. sign_out_other_devices must be yes or no (true or false in JSON)." });
    const body = new URLSearchParams({ csrf: await device.formToken(pagePath), current_password: password, new_password: fresh, confirm_new_password: fresh, [field]: "maybe" });
    expect((await device.request(pagePath, { method: "POST", body })).status).toBe(422);
    expect(await sqlOf(server.app.store).value("SELECT count(*) FROM outbox WHERE recipient = ?", `${username}@example.com`)).toBe(0);
  });
});
