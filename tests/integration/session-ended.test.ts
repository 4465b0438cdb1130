import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * A device whose session ended elsewhere (here: a password change on another device) is told why
 * on the sign-in page, and a form it was filling in is not dropped silently: it is sent to sign
 * in, with the reason, and back to the form afterwards.
 */

const password = "original password 1";
const fresh = "a brand new password";
const changePath = "/private/change-password";
const sessionEnded = "Your session ended (signed out from another device or after a password change). Please sign in again.";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

function decodeEntities(text: string): string {
  return text.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The sign-in page's reason, or null. */
async function reasonOn(device: Device, path: string): Promise<string | null> {
  const response = await device.request(path);
  expect(response.status).toBe(200);
  const match = /<p class="sign-in-reason" role="status">([^<]*)<\/p>/.exec(await response.text());
  return match ? decodeEntities(match[1]!) : null;
}

/** An account on two devices; the first changes the password, which signs the second out. */
async function signedOutByAChange() {
  const username = uniqueName("ended");
  const changer = await signUpAndIn(server.url, { username, password });
  const other = new Device(server.url);
  expect((await signIn(other, { username, password })).status).toBe(303);
  const token = await other.formToken(changePath);
  const changed = await changer.submitForm(changePath, { current_password: password, new_password: fresh, confirm_new_password: fresh });
  expect(changed.status).toBe(303);
  return { username, other, token };
}

describe("a device whose session ended", () => {
  it("is sent from a private page to sign in, told why, and the page to come back to is kept", async () => {
    const { other } = await signedOutByAChange();
    const response = await other.request(changePath);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/login?redirectTo=${changePath}&reason=session-ended`);
    // The dead cookie is cleared with the same answer.
    expect(other.cookies.has("session")).toBe(false);
    expect(await reasonOn(other, response.headers.get("location")!)).toBe(sessionEnded);
  });

  it("sending the form it was filling in: to sign in with the reason, then back to the form; nothing changed", async () => {
    const { username, other, token } = await signedOutByAChange();
    const sent = await other.postForm(changePath, { csrf: token, current_password: fresh, new_password: "yet another password", confirm_new_password: "yet another password" });
    expect(sent.status).toBe(302);
    expect(sent.headers.get("location")).toBe(`/login?redirectTo=${changePath}&reason=session-ended`);
    expect(await reasonOn(other, sent.headers.get("location")!)).toBe(sessionEnded);

    const again = await other.postForm("/login", { username, password: fresh, redirectTo: changePath });
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe(changePath);
    expect((await other.request(changePath)).status).toBe(200);
    // The password is still the one the first device set.
    expect((await signIn(new Device(server.url), { username, password: fresh })).status).toBe(303);
  });

  it("opening the sign-in page itself with the ended session's cookie sees the reason too", async () => {
    const { other } = await signedOutByAChange();
    expect(await reasonOn(other, "/login")).toBe(sessionEnded);
    // Once: the cookie is gone now.
    expect(await reasonOn(other, "/login")).toBeNull();
  });

  it("a visitor who was never signed in is given no reason, and the reason's text never comes from the URL", async () => {
    const visitor = new Device(server.url);
    const response = await visitor.request(changePath);
    expect(response.headers.get("location")).toBe(`/login?redirectTo=${changePath}`);
    expect(await reasonOn(visitor, response.headers.get("location")!)).toBeNull();
    expect(await reasonOn(visitor, "/login?reason=You%20were%20hacked")).toBeNull();
  });
});
