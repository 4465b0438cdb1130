import { describe, expect, it } from "vitest";
import type { AppOptions } from "../../server/app.js";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn } from "../helpers/device.js";
import { doors, seedFields, pageErrorMessage, uniqueName } from "../helpers/doors.js";
import { serversForEachTest } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

const password = "original password 1";
const fresh = "a brand new password";
const serverWith = serversForEachTest();

describe("option loginUrl", () => {
  it("is where signed-out visitors and successful changes are sent", async () => {
    const server = await serverWith({ loginUrl: "/sign-in" });
    const anonymous = await new Device(server.url).request("/private/change-password");
    expect(anonymous.headers.get("location")).toBe("/sign-in?redirectTo=/private/change-password");

    const account = await doors[0]!.signUp(server.url, uniqueName(), password);
    const response = await account.device.submitForm("/private/change-password", seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh }));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/sign-in");
  });
});

describe("option invalidateSessions", () => {
  it("when off, keeps the other devices signed in (the cookie of this one still goes)", async () => {
    const server = await serverWith({ invalidateSessions: false });
    const account = await doors[1]!.signUp(server.url, uniqueName(), password);
    const other = new Device(server.url);
    await signIn(other, account);

    const response = await account.device.postJson("/private/change-password", seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh }));
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie()[0]).toMatch(/^session=; .*Max-Age=0/);
    expect((await other.request("/private/change-password")).status).toBe(200);
    // This device is signed out for real (its session ends, not just its cookie): the other one remains.
    const sessions = (await sqlOf(server.app.store).value("SELECT count(*) FROM session"));
    expect(sessions).toBe(1);
  });
});

describe("option sessionCookieName", () => {
  it("names the cookie that is set, read and deleted", async () => {
    const server = await serverWith({ sessionCookieName: "sid" });
    const account = await doors[0]!.signUp(server.url, uniqueName(), password);
    // The session cookie under its configured name, beside the device cookie (tests/security/lockout.test.ts).
    expect([...account.device.cookies.keys()]).toEqual(["sid", "device"]);
    const response = await account.device.submitForm("/private/change-password", seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh }));
    expect(response.headers.getSetCookie()[0]).toBe("sid=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax");
  });
});

describe("option readOnly", () => {
  it("refuses every door with 405 'Running in read only mode' (even a good request), while GET still works", async () => {
    // Read-only mode refuses to register too (tests/security/register-limit.test.ts): the accounts
    // are registered through a writable server on the same database.
    const writable = await serverWith({});
    const server = await serverWith({ readOnly: true, ...writable.database });
    for (const door of doors) {
      const account = await door.signUp(server.url, uniqueName(door.name), password, writable.url);
      const page = await account.device.request("/private/change-password");
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("This site is in read-only mode.");
      const outcome = await account.attempt({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh });
      expect(outcome).toEqual({ status: 405, message: "Running in read only mode" });
      expect((await signIn(new Device(server.url), account)).status).toBe(303);
    }
  });
});

describe("option readOnly, on the pages", () => {
  it("says so before anyone types, and disables the change form and the register form (no JavaScript needed)", async () => {
    const writable = await serverWith({});
    const server = await serverWith({ env: { READ_ONLY: "true" }, ...writable.database });
    const account = await doors[0]!.signUp(server.url, uniqueName(), password, writable.url);
    for (const [path, device, notice] of [
      ["/private/change-password", account.device, "Passwords cannot be changed at the moment."],
      ["/register", new Device(server.url), "New accounts cannot be registered at the moment."],
    ] as const) {
      // (React marks where two pieces of text meet with an empty comment.)
      const html = (await (await device.request(path)).text()).replaceAll("<!-- -->", "");
      const noticeAt = html.indexOf(`<p class="notice" id="read-only-notice"><strong>This site is in read-only mode.</strong> ${notice}</p>`);
      expect(noticeAt, path).toBeGreaterThan(-1);
      const fieldset = html.indexOf('<fieldset disabled="" aria-describedby="read-only-notice">');
      expect(fieldset, path).toBeGreaterThan(noticeAt);
      // Every input and the button are inside the disabled fieldset.
      expect(html.indexOf("<input", html.indexOf("</h1>")), path).toBeGreaterThan(fieldset);
      expect(html.indexOf('<button type="submit"', html.indexOf("</h1>")), path).toBeGreaterThan(fieldset);
      expect(html.indexOf("</fieldset>"), path).toBeGreaterThan(html.indexOf('<button type="submit"', html.indexOf("</h1>")));
    }
    // Writable: no notice, nothing disabled.
    const open = await (await new Device(writable.url).request("/register")).text();
    expect(open).not.toContain("read-only mode");
    expect(open).toContain("<fieldset>");
  });
});

describe("option minPasswordLength", () => {
  it("sets the rule, the message and the page's label and minlength", async () => {
    const server = await serverWith({ minPasswordLength: 20 });
    const account = await doors[0]!.signUp(server.url, uniqueName(), "twenty chars or more!");
    const page = await (await account.device.request("/private/change-password")).text();
    expect(page).toContain("New password (20 characters minimum)");
    expect(page).toMatch(/name="new_password"[^>]*minLength="20"|minLength="20"[^>]*name="new_password"/);
    const outcome = await account.attempt({
      currentPassword: "twenty chars or more!",
      newPassword: "nineteen characters",
      confirmNewPassword: "nineteen characters",
    });
    expect(outcome).toEqual({ status: 422, message: "Password must be at least 20 characters long." });
  });
});

describe("option maxPasswordLength", () => {
  it("sets the upper limit", async () => {
    const server = await serverWith({ maxPasswordLength: 20 });
    const account = await doors[2]!.signUp(server.url, uniqueName(), password);
    const long = "twenty-one characters";
    const outcome = await account.attempt({ currentPassword: password, newPassword: long, confirmNewPassword: long });
    expect(outcome).toEqual({ status: 422, message: "Password must be at most 20 characters long." });
  });
});

describe("option styles", () => {
  it("become the page's CSS custom properties", async () => {
    const server = await serverWith({ styles: { buttonColor: "rebeccapurple" } });
    const html = await (await fetch(server.url)).text();
    expect(html).toContain("--button-color: rebeccapurple;");
    expect(html).toContain("--background-color: #EEF2F5;");
  });
});

describe("the page itself", () => {
  it("renders the seed's form: title, who is signed in, labelled password inputs with autocomplete", async () => {
    const server = await serverWith({});
    const username = uniqueName();
    const account = await doors[0]!.signUp(server.url, username, password);
    const response = await account.device.request("/private/change-password/");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    expect(html).toContain("<title>Change password — Change Password Demo</title>");
    expect(html).toContain("<h1>Change Password</h1>");
    expect(html).toContain(`Signed in as ${username}.`);
    expect(html).toContain("12 characters minimum");
    expect(html).toMatch(/<form method="post"/);
    for (const [name, autocomplete] of [
      ["current_password", "current-password"],
      ["new_password", "new-password"],
      ["confirm_new_password", "new-password"],
    ]) {
      expect(html).toContain(`<label for="field-${name}">`);
      expect(html).toMatch(new RegExp(`<input id="field-${name}" name="${name}"[^>]*type="password"[^>]*autoComplete="${autocomplete}"`));
    }
  });

  it("never sends a submitted password back in the page", async () => {
    const server = await serverWith({});
    const account = await doors[0]!.signUp(server.url, uniqueName(), password);
    const secret = "my secret new password";
    const response = await account.device.submitForm("/private/change-password", {
      current_password: password,
      new_password: secret,
      confirm_new_password: `${secret}?`,
    });
    const html = await response.text();
    expect(response.status).toBe(422);
    expect(pageErrorMessage(html)).toBe("Passwords do not match.");
    expect(html).not.toContain(secret);
    expect(html).not.toContain(password);
  });
});

describe("typed errors over tRPC", () => {
  it("carry the reason, the field and zod's field errors, and no stack", async () => {
    const server = await serverWith({});
    const account = await doors[2]!.signUp(server.url, uniqueName(), password);
    const url = `${server.url}/trpc`;
    const { token } = await createClient({ url }).auth.login.mutate({ username: account.username, password });
    const client = createClient({ url, token });
    const wrong = await client.auth.changePassword
      .mutate({ currentPassword: "nope", newPassword: fresh })
      .catch((error: unknown) => error);
    expect(wrong).toMatchObject({
      message: "Incorrect password.",
      data: { code: "UNPROCESSABLE_CONTENT", httpStatus: 422, reason: "incorrect_password", field: "currentPassword" },
    });

    const raw = await fetch(`${url}/auth.changePassword`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ currentPassword: password, newPassword: 5 }),
    });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.message).toMatch(/^Invalid input\. newPassword: /);
    expect(body.error.data).toMatchObject({ reason: "invalid_input", fieldErrors: { newPassword: [expect.any(String)] } });
    expect(JSON.stringify(body)).not.toMatch(/stack|at .*\.ts:\d+/);
  });
});
