import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { seedFields, uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * What a person is told after each step, without JavaScript (plain HTML and redirects): after
 * registering, signing out and a change that signs them out; and why they are on the sign-in
 * page when a password change on another device ended their session, or a form they sent could
 * not be acted on. Each message is shown once.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const password = "original password 1";
const fresh = "a brand new password";
const changePage = "/private/change-password";
const change = seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh });

/** The flash message of a page, if any. */
function messageOf(html: string): string | null {
  return /<p class="flash" role="status">([^<]*)<\/p>/.exec(html)?.[1]?.replace(/&#x27;/g, "'") ?? null;
}

/** The value the sign-in form's username field starts with. */
function usernameFieldOf(html: string): string | null {
  const input = /<input id="field-username"[^>]*>/.exec(html)?.[0] ?? "";
  return /value="([^"]*)"/.exec(input)?.[1] ?? null;
}

/** Follows a redirect with GET, as a browser does, and reads the page it leads to. */
async function follow(device: Device, response: Response) {
  expect([302, 303]).toContain(response.status);
  const page = await device.request(response.headers.get("location")!);
  expect(page.status).toBe(200);
  return page.text();
}

async function shownOnce(device: Device, path: string, message: string) {
  expect(messageOf(await (await device.request(path)).text())).toBe(message);
  expect(messageOf(await (await device.request(path)).text())).toBeNull();
}

describe("after registering", () => {
  it("the sign-in page confirms it, with the username filled in, once", async () => {
    const username = uniqueName("Reg");
    const device = new Device(server.url);
    const response = await device.postForm("/register", { username, email: `${username}@example.com`, password, confirm_password: password });
    expect(response.headers.get("location")).toBe("/login");
    const html = await follow(device, response);
    expect(messageOf(html)).toBe("Your account was created. Sign in with your new password.");
    expect(usernameFieldOf(html)).toBe(username);
    const again = await (await device.request("/login")).text();
    expect(messageOf(again)).toBeNull();
    expect(usernameFieldOf(again)).toBeNull();
  });
});

describe("after signing out", () => {
  it("the start page says so, once", async () => {
    const device = await signUpAndIn(server.url, { username: uniqueName(), password });
    const response = await device.submitForm("/logout", {});
    expect(response.headers.get("location")).toBe("/");
    const html = await follow(device, response);
    expect(messageOf(html)).toBe("You have signed out.");
    expect(html).toContain("You are not signed in.");
    expect(messageOf(await (await device.request("/")).text())).toBeNull();
  });
});

describe("after a change that signs this device out", () => {
  it("the sign-in page has the username filled in", async () => {
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const html = await follow(device, await device.submitForm(changePage, change));
    expect(messageOf(html)).toBe("Your password was changed. Sign in with your new password.");
    expect(usernameFieldOf(html)).toBe(username);
  });
});

describe("a device signed out by a password change on another device", () => {
  async function twoDevices() {
    const username = uniqueName();
    const here = await signUpAndIn(server.url, { username, password });
    const elsewhere = new Device(server.url);
    expect((await signIn(elsewhere, { username, password })).status).toBe(303);
    // This device has the form open (its token in hand) when the other one changes the password.
    const formToken = await here.formToken(changePage);
    expect((await elsewhere.submitForm(changePage, change)).status).toBe(303);
    return { username, here, formToken };
  }

  const ended = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one.";

  it("opening a page: the sign-in page says why, and signing in leads back to the page", async () => {
    const { username, here } = await twoDevices();
    const response = await here.request(changePage);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/login?redirectTo=${changePage}`);
    expect(here.cookies.has("session")).toBe(false);
    const html = await follow(here, response);
    expect(messageOf(html)).toBe(`${ended} Sign in again to continue.`);
    expect(html).toContain(`name="redirectTo" value="${changePage}"`);

    const back = await here.postForm("/login", { username, password: fresh, redirectTo: changePage });
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe(changePage);
    expect((await here.request(changePage)).status).toBe(200);
  });

  it("sending the form it had open: not dropped silently, the sign-in page says nothing was changed, and leads back to the form", async () => {
    const { here, formToken } = await twoDevices();
    const response = await here.postForm(changePage, { csrf: formToken, ...seedFields({ currentPassword: fresh, newPassword: "a third password 3", confirmNewPassword: "a third password 3" }) });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/login?redirectTo=${changePage}`);
    const html = await follow(here, response);
    expect(messageOf(html)).toBe(`${ended} Nothing was changed. Sign in again, then send the form again.`);
    expect(html).toContain(`name="redirectTo" value="${changePage}"`);
  });

  it("opening a page that needs no sign-in: that page says why at once", async () => {
    const { here } = await twoDevices();
    const response = await here.request("/");
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toContain("session=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax");
    const html = await response.text();
    expect(messageOf(html)).toBe(`${ended} Sign in again to continue.`);
    expect(html).toContain("You are not signed in.");
    expect(messageOf(await (await here.request("/")).text())).toBeNull();
  });
});

describe("a browser that was never signed in", () => {
  it("opening a private page: the sign-in page, with no message", async () => {
    const device = new Device(server.url);
    const response = await device.request(changePage);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(messageOf(await follow(device, response))).toBeNull();
  });

  it("sending the form after signing out in another tab: the sign-in page says nothing was changed", async () => {
    const device = await signUpAndIn(server.url, { username: uniqueName(), password });
    const formToken = await device.formToken(changePage);
    await device.submitForm("/logout", {});
    await device.request("/"); // the sign-out message is read in the other tab
    const response = await device.postForm(changePage, { csrf: formToken, ...change });
    expect(response.status).toBe(303);
    await shownOnce(device, response.headers.get("location")!, "You are signed out, so nothing was changed. Sign in, then send the form again.");
  });
});
