import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * A device whose session ended elsewhere (here: a password change on another device) is told why
 * on the sign-in page, and a form it was sending is not dropped silently: it is sent to sign in,
 * told that nothing was changed, and brought back to the form afterwards.
 */

const password = "original password 1";
const fresh = "a brand new password";
const changePath = "/private/change-password";
const sessionEnded = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one. Sign in again to continue.";
const formRefused = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one. Nothing was changed. Sign in again, then send the form again.";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

function decodeEntities(text: string): string {
  return text.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The one-shot message on a page, or null. */
async function messageOn(device: Device, path: string): Promise<string | null> {
  const response = await device.request(path);
  expect(response.status).toBe(200);
  const match = /<p class="flash" role="status">([^<]*)<\/p>/.exec(await response.text());
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
  it("is sent from a private page to sign in, told why there, and the page to come back to is kept", async () => {
    const { other } = await signedOutByAChange();
    const response = await other.request(changePath);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/login?redirectTo=${changePath}`);
    // The dead cookie is cleared with the same answer.
    expect(other.cookies.has("session")).toBe(false);
    expect(await messageOn(other, response.headers.get("location")!)).toBe(sessionEnded);
    // Once.
    expect(await messageOn(other, response.headers.get("location")!)).toBeNull();
  });

  it("sending the form it was filling in: to sign in, told nothing was changed, then back to the form", async () => {
    const { username, other, token } = await signedOutByAChange();
    const sent = await other.postForm(changePath, { csrf: token, current_password: fresh, new_password: "yet another password", confirm_new_password: "yet another password" });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe(`/login?redirectTo=${changePath}`);
    expect(await messageOn(other, sent.headers.get("location")!)).toBe(formRefused);

    const again = await other.postForm("/login", { username, password: fresh, redirectTo: changePath });
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe(changePath);
    expect((await other.request(changePath)).status).toBe(200);
    // The password is still the one the first device set.
    expect((await signIn(new Device(server.url), { username, password: fresh })).status).toBe(303);
  });

  it("on a page that needs no session, is told at once", async () => {
    const { other } = await signedOutByAChange();
    expect(await messageOn(other, "/")).toBe(sessionEnded);
    expect(await messageOn(other, "/")).toBeNull();
  });

  it("a visitor who was never signed in is told nothing, unless a form of theirs was refused", async () => {
    const visitor = new Device(server.url);
    const response = await visitor.request(changePath);
    expect(response.headers.get("location")).toBe(`/login?redirectTo=${changePath}`);
    expect(await messageOn(visitor, response.headers.get("location")!)).toBeNull();
    const sent = await visitor.postForm(changePath, { current_password: password, new_password: fresh, confirm_new_password: fresh });
    expect(sent.status).toBe(303);
    expect(await messageOn(visitor, sent.headers.get("location")!)).toBe("You are signed out, so nothing was changed. Sign in, then send the form again.");
  });
});
