import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionIdOf } from "../../server/auth/sessions.js";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const path = "/private/change-password";
const password = "original password 1";
const good = { current_password: password, new_password: "a brand new password", confirm_new_password: "a brand new password" };

async function stillUnchanged(username: string) {
  expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
}

describe("signed out", () => {
  it("GET redirects to the login URL with redirectTo", async () => {
    const response = await new Device(server.url).request(path);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/login?redirectTo=/private/change-password");
  });

  it("a form POST redirects to the login URL too (303: back with GET), saying why there", async () => {
    const response = await new Device(server.url).postForm(path, good);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login?redirectTo=/private/change-password");
    expect(response.headers.getSetCookie()).toEqual(["flash=sign_in_first.none.refused; Max-Age=120; HttpOnly; Path=/; SameSite=Lax"]);
  });

  it("a JSON POST gets 401 with a detail", async () => {
    const response = await new Device(server.url).postJson(path, good);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: "Not signed in." });
  });

  it("tRPC answers UNAUTHORIZED", async () => {
    const error = await createClient({ url: `${server.url}/trpc` })
      .auth.changePassword.mutate({ currentPassword: "x", newPassword: "y" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ message: "Sign in first.", data: { code: "UNAUTHORIZED", httpStatus: 401 } });
  });

  it("an unknown or forged session cookie is answered with a blank cookie", async () => {
    const device = new Device(server.url);
    device.cookies.set("session", "forged-session-id");
    const response = await device.request(path);
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie()).toEqual([
      "session=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax",
      "flash=sign_in_first.ended.none; Max-Age=120; HttpOnly; Path=/; SameSite=Lax",
    ]);
  });
});

describe("sessions", () => {
  it("re-sends the cookie when a session's expiry slides forward", async () => {
    const device = await signUpAndIn(server.url, { username: uniqueName(), password });
    const token = device.cookies.get("session")!;
    const id = sessionIdOf(token);
    // Less than half of Lucia's 30 days left: the next validation extends it and re-sends the cookie.
    const sql = sqlOf(server.app.store);
    const soon = Date.now() + 24 * 3600 * 1000;
    await sql.run("UPDATE session SET expires_at = ? WHERE id = ?", sql.expiry(new Date(soon)), id);
    const response = await device.request(path);
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie()[0] ?? "";
    expect(cookie).toMatch(new RegExp(`^session=${token}; `));
    expect(cookie).toMatch(/HttpOnly/);
    const stored = sql.dateOf(await sql.value("SELECT expires_at FROM session WHERE id = ?", id));
    expect(stored.getTime()).toBeGreaterThan(soon + 20 * 24 * 3600 * 1000);
  });

  it("an expired session no longer opens the page", async () => {
    const device = await signUpAndIn(server.url, { username: uniqueName(), password });
    const token = device.cookies.get("session")!;
    const sql = sqlOf(server.app.store);
    await sql.run("UPDATE session SET expires_at = ? WHERE id = ?", sql.expiry(new Date(Date.now() - 1000)), sessionIdOf(token));
    expect((await device.request(path)).status).toBe(302);
  });

  it("the session cookie is HttpOnly, SameSite=Lax, Path=/ and not Secure over http", async () => {
    const device = new Device(server.url);
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    const response = await signIn(device, { username, password });
    const cookie = response.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^session=[A-Za-z0-9_-]{43}; HttpOnly; Max-Age=\d+; Path=\/; SameSite=Lax$/);
  });
});

describe("methods", () => {
  it.each(["PUT", "PATCH", "DELETE"])("%s gets 405 with Allow: GET, POST (with or without a trailing slash)", async (method) => {
    for (const url of [path, `${path}/`]) {
      const response = await fetch(new URL(url, server.url), { method });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, POST");
    }
  });
});

describe("bad JSON bodies get 422, never 500, and change nothing", () => {
  const bodies: [string, string, string][] = [
    ["invalid JSON", "{not json", "Request body must be valid JSON."],
    ["an empty body", "", "Request body must be valid JSON."],
    ["an array", JSON.stringify([good]), "Request body must be a JSON object."],
    ["null", "null", "Request body must be a JSON object."],
    ["a string", JSON.stringify("hello"), "Request body must be a JSON object."],
    ["a number", "42", "Request body must be a JSON object."],
    ["a numeric password", JSON.stringify({ ...good, new_password: 123456789012 }), "Form is invalid. new_password must be text."],
    ["an object as password", JSON.stringify({ ...good, current_password: { $ne: null } }), "Form is invalid. current_password must be text."],
    ["an array as password", JSON.stringify({ ...good, confirm_new_password: ["a"] }), "Form is invalid. confirm_new_password must be text."],
    ["a boolean as password", JSON.stringify({ ...good, current_password: true }), "Form is invalid. current_password must be text."],
    ["null fields", JSON.stringify({ current_password: null, new_password: null, confirm_new_password: null }), "Form is invalid. Missing one or more fields."],
    ["no fields", "{}", "Form is invalid. Missing one or more fields."],
    ["inherited names only", JSON.stringify({ __proto__: { current_password: password } }), "Form is invalid. Missing one or more fields."],
  ];
  it.each(bodies)("%s", async (_name, body, detail) => {
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const response = await device.postJson(path, body);
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ detail });
    await stillUnchanged(username);
  });

  it("a form field sent as a file upload is refused clearly", async () => {
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const form = new FormData();
    form.set("csrf", await device.formToken(path));
    form.set("current_password", new Blob([password]), "password.txt");
    form.set("new_password", good.new_password);
    form.set("confirm_new_password", good.new_password);
    const response = await device.request(path, { method: "POST", body: form });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("Form is invalid. current_password must be text.");
    await stillUnchanged(username);
  });

  it("multipart form data works like urlencoded", async () => {
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const form = new FormData();
    form.set("csrf", await device.formToken(path));
    for (const [name, value] of Object.entries(good)) form.set(name, value);
    const response = await device.request(path, { method: "POST", body: form });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
  });
});

describe("CSRF baseline", () => {
  async function attempt(headers: Record<string, string>) {
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const response = await device.submitForm(path, good, { origin: null, headers });
    return { username, response };
  }

  it.each([
    ["no Origin and no Sec-Fetch-Site", {}],
    ["another origin", { origin: "http://evil.example" }],
    ["Origin: null", { origin: "null" }],
    ["a same-site but other-origin page", { "sec-fetch-site": "same-site" }],
    ["a cross-site fetch", { "sec-fetch-site": "cross-site" }],
  ])("refuses a cookie POST from %s with 403 and changes nothing", async (_name, headers) => {
    const { username, response } = await attempt(headers);
    expect(response.status).toBe(403);
    await stillUnchanged(username);
  });

  it("accepts Sec-Fetch-Site: same-origin when Origin is absent", async () => {
    const { response } = await attempt({ "sec-fetch-site": "same-origin" });
    expect(response.status).toBe(303);
  });

  it("refuses a cross-site JSON POST and a cross-site tRPC call that rely on the cookie", async () => {
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const json = await device.postJson(path, good, { origin: "http://evil.example" });
    expect(json.status).toBe(403);
    const trpc = await device.postJson(
      "/trpc/auth.changePassword",
      { currentPassword: password, newPassword: good.new_password },
      { origin: "http://evil.example" },
    );
    expect(trpc.status).toBe(403);
    await stillUnchanged(username);
  });

  it("exempts bearer-token requests, which browsers never send on their own", async () => {
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    const url = `${server.url}/trpc`;
    const { token } = await createClient({ url }).auth.login.mutate({ username, password });
    const result = await createClient({ url, token }).auth.changePassword.mutate({
      currentPassword: password,
      newPassword: good.new_password,
    });
    expect(result.signedOut).toBe(true);
  });

  it("tRPC refuses any content type but JSON with 415", async () => {
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]) {
      const response = await fetch(`${server.url}/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": type },
        body: "username=a&password=b",
      });
      expect(response.status).toBe(415);
    }
  });
});
