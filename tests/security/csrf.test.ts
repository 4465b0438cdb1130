import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ rateLimitIpAttempts: 100_000 });
});
afterAll(() => server.close());

const password = "original password 1";
const fresh = "a brand new password";

/** Browser headers that say "not this site". */
const crossSite: [string, Record<string, string>][] = [
  ["another origin", { origin: "http://evil.example" }],
  ["another port on this host", { origin: "http://127.0.0.1:1" }],
  ["Origin: null", { origin: "null" }],
  ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
  ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
  ["no Origin, no Sec-Fetch-Site, with the cookie", {}],
];

type Door = {
  name: string;
  /** Sends the state-changing request with these headers (and the session cookie where it has one). */
  send(device: Device, headers: Record<string, string>): Promise<Response>;
};

const changeFields = { current_password: password, new_password: fresh, confirm_new_password: fresh };
const stateChangingDoors: Door[] = [
  { name: "change-password form", send: (device, headers) => device.submitForm("/private/change-password", changeFields, { origin: null, headers }) },
  { name: "change-password JSON", send: (device, headers) => device.postJson("/private/change-password", changeFields, { origin: null, headers }) },
  {
    name: "tRPC changePassword",
    send: (device, headers) =>
      device.postJson("/trpc/auth.changePassword", { currentPassword: password, newPassword: fresh }, { origin: null, headers }),
  },
  { name: "logout form", send: (device, headers) => device.submitForm("/logout", {}, { origin: null, headers }) },
  { name: "tRPC logout", send: (device, headers) => device.postJson("/trpc/auth.logout", {}, { origin: null, headers }) },
  {
    name: "signed-in devices form",
    send: (device, headers) => device.submitForm("/private/sessions", { intent: "sign-out-others" }, { origin: null, headers }),
  },
  { name: "tRPC signOutOtherSessions", send: (device, headers) => device.postJson("/trpc/auth.signOutOtherSessions", {}, { origin: null, headers }) },
];

async function signedInAccount() {
  const username = uniqueName("csrf");
  return { username, device: await signUpAndIn(server.url, { username, password }) };
}

async function expectUnchanged(username: string, device: Device) {
  expect((await device.request("/private/change-password")).status).toBe(200);
  expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
}

describe.each(stateChangingDoors)("$name, authenticated by the cookie", (door) => {
  it.each(crossSite)("from %s: 403 and nothing changes", async (_name, headers) => {
    const { username, device } = await signedInAccount();
    const response = await door.send(device, headers);
    expect(response.status).toBe(403);
    await expectUnchanged(username, device);
  });

  it("from this origin: goes through", async () => {
    const { device } = await signedInAccount();
    const response = await door.send(device, { origin: server.url });
    expect(response.status).not.toBe(403);
    expect(response.status).toBeLessThan(400);
  });
});

describe("login and register from another site", () => {
  it.each(crossSite.filter(([name]) => !name.includes("no Origin")))("login from %s: 403, no session", async (_name, headers) => {
    const username = uniqueName("csrf_login");
    await signUpAndIn(server.url, { username, password });
    for (const send of [
      (device: Device) => device.postForm("/login", { username, password }, { origin: null, headers }),
      (device: Device) => device.postJson("/trpc/auth.login", { username, password }, { origin: null, headers }),
    ]) {
      const device = new Device(server.url);
      const response = await send(device);
      expect(response.status).toBe(403);
      expect(device.cookies.size).toBe(0);
    }
  });

  it("register from another origin: 403, no account", async () => {
    const username = uniqueName("csrf_register");
    const response = await new Device(server.url).postForm(
      "/register",
      { username, email: `${username}@example.com`, password, confirm_password: password },
      { origin: "http://evil.example" },
    );
    expect(response.status).toBe(403);
    expect((await sqlOf(server.app.store).value(`SELECT count(*) FROM "user" WHERE username = ?`, username))).toBe(0);
  });
});

describe("the session-bound form token", () => {
  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["made up", "A".repeat(43)],
  ])("%s: the no-JavaScript form is refused with 403, even from this origin", async (_name, token) => {
    const { username, device } = await signedInAccount();
    const fields: Record<string, string> = { ...changeFields };
    if (token !== undefined) fields.csrf = token;
    const response = await device.postForm("/private/change-password", fields);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("This form has expired. Reload the page and try again.");
    await expectUnchanged(username, device);
  });

  it("another session's token does not fit this session", async () => {
    const { device: other } = await signedInAccount();
    const stolen = await other.formToken("/private/change-password");
    const { username, device } = await signedInAccount();
    const response = await device.postForm("/private/change-password", { ...changeFields, csrf: stolen });
    expect(response.status).toBe(403);
    await expectUnchanged(username, device);
  });

  it("the same user's token from an older session does not fit a new one", async () => {
    const { username, device } = await signedInAccount();
    const oldToken = await device.formToken("/private/change-password");
    const again = new Device(server.url);
    await signIn(again, { username, password });
    const response = await again.postForm("/private/change-password", { ...changeFields, csrf: oldToken });
    expect(response.status).toBe(403);
  });
});

describe("GET never changes anything, and passwords are never read from a query string", () => {
  it("GET on the page with password parameters only shows the page", async () => {
    const { username, device } = await signedInAccount();
    const query = new URLSearchParams(changeFields).toString();
    expect((await device.request(`/private/change-password?${query}`)).status).toBe(200);
    await expectUnchanged(username, device);
  });

  it("GET /logout does not sign out", async () => {
    const { username, device } = await signedInAccount();
    expect((await device.request("/logout")).status).toBe(200);
    await expectUnchanged(username, device);
  });

  it("tRPC mutations cannot be called with GET", async () => {
    const { username, device } = await signedInAccount();
    const input = encodeURIComponent(JSON.stringify({ currentPassword: password, newPassword: fresh }));
    const response = await device.request(`/trpc/auth.changePassword?input=${input}`);
    expect(response.status).toBe(405);
    const login = await new Device(server.url).request(
      `/trpc/auth.login?input=${encodeURIComponent(JSON.stringify({ username, password }))}`,
    );
    expect(login.status).toBe(405);
    expect(login.headers.getSetCookie()).toEqual([]);
    await expectUnchanged(username, device);
  });

  it("GET /login with credentials in the query string signs nobody in", async () => {
    const { username } = await signedInAccount();
    const device = new Device(server.url);
    const response = await device.request(`/login?username=${username}&password=${encodeURIComponent(password)}`);
    expect(response.status).toBe(200);
    expect(device.cookies.size).toBe(0);
  });
});
