import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { seedFields, uniqueName } from "../helpers/doors.js";
import { serversForEachTest } from "../helpers/server.js";

/**
 * LOGIN_URL moves the app's own sign-in page: it answers at that path, and every link, redirect
 * and form of the app leads there (it once sent register, sign-out and change to a 404 while the
 * header still linked /login).
 */

const password = "original password 1";
const fresh = "a brand new password";
const serverWith = serversForEachTest();

/** Every href and form action of a page. */
function targets(html: string): string[] {
  return [...html.matchAll(/\b(?:href|action)="([^"]*)"/g)].map((match) => match[1]!.replace(/&amp;/g, "&"));
}

describe.each(["/signin", "/auth/sign-in"])("LOGIN_URL=%s", (loginUrl) => {
  it("the sign-in page answers there, and /login leads there", async () => {
    const server = await serverWith({ env: { LOGIN_URL: loginUrl } });
    const page = await fetch(`${server.url}${loginUrl}?redirectTo=/private/change-password`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<h1>Sign in</h1>");
    expect(html).toContain("<title>Sign in — Change Password Demo</title>");
    expect(html).toContain('name="redirectTo" value="/private/change-password"');

    const old = await fetch(`${server.url}/login?redirectTo=/private/change-password`, { redirect: "manual" });
    expect(old.status).toBe(302);
    expect(old.headers.get("location")).toBe(`${loginUrl}?redirectTo=/private/change-password`);
    // The old path takes no sign-ins.
    expect((await new Device(server.url).postForm("/login", { username: "x", password })).status).toBe(404);
  });

  it("register, a signed-out visit, a change and the links all lead there; no page links /login", async () => {
    const server = await serverWith({ env: { LOGIN_URL: loginUrl } });
    const username = uniqueName("loginurl");
    const registered = await new Device(server.url).postForm("/register", {
      username,
      email: `${username}@example.com`,
      password,
      confirm_password: password,
    });
    expect(registered.status).toBe(303);
    expect(registered.headers.get("location")).toBe(loginUrl);

    const anonymous = new Device(server.url);
    const guarded = await anonymous.request("/private/change-password");
    expect(guarded.headers.get("location")).toBe(`${loginUrl}?redirectTo=/private/change-password`);
    for (const path of ["/", "/register", loginUrl, "/nowhere"]) {
      const links = targets(await (await anonymous.request(path)).text());
      expect(links, path).toContain(loginUrl);
      expect(links.filter((target) => target.startsWith("/login")), path).toEqual([]);
    }

    // Signing in through the page at LOGIN_URL, then changing: back to LOGIN_URL, which answers.
    const device = new Device(server.url);
    const signedIn = await signIn(device, { username, password }, loginUrl);
    expect(signedIn.status).toBe(303);
    expect((await device.request("/private/change-password")).status).toBe(200);
    const changed = await device.submitForm("/private/change-password", seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh }));
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).toBe(loginUrl);
    const landing = await device.request(loginUrl);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("Your password was changed. Sign in with your new password.");
  });
});

it("the default LOGIN_URL is /login, and any other path is still a 404", async () => {
  const server = await serverWith();
  const device = await signUpAndIn(server.url, { username: uniqueName(), password });
  expect((await device.request("/login")).status).toBe(200);
  expect((await device.request("/signin")).status).toBe(404);
  expect((await device.postForm("/signin", { username: "x", password })).status).toBe(404);
});

it.each(["/", "/register", "/Private/Change-Password/", "/trpc", "/trpc/auth.login", "/healthz", "/build/x.js"])(
  "LOGIN_URL=%s (a path the app answers itself) stops start-up",
  (loginUrl) => {
    expect(() => loadConfig({}, { LOGIN_URL: loginUrl })).toThrow(
      /^Invalid configuration: LOGIN_URL \(option loginUrl\): is the path of another page of this app; choose a free one such as \/signin$/,
    );
  },
);
