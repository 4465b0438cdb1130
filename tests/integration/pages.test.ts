import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionIdOf } from "../../server/auth/sessions.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { pageErrorMessage, uniqueName } from "../helpers/doors.js";
import { cheapHasher } from "../helpers/cheap-hasher.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const password = "original password 1";

describe("the demo pages", () => {
  it.each(["/", "/register", "/register/", "/login", "/login/", "/logout", "/logout/"])("GET %s answers 200 with no-store", async (path) => {
    const response = await fetch(new URL(path, server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("an unknown path is a 404 page with the site's colours, title and header", async () => {
    const response = await fetch(new URL("/nowhere", server.url));
    expect(response.status).toBe(404);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    expect(html).toContain("<h1>Page not found</h1>");
    expect(html).toContain("<title>Page not found — Change Password Demo</title>");
    expect(html).toContain("--background-color: #EEF2F5;");
    expect(html).toContain('href="/login">Sign in</a>');
    // A POST to it too (no 405, no bare page).
    const posted = await new Device(server.url).postForm("/nowhere/deeper", { a: "b" });
    expect(posted.status).toBe(404);
    expect(await posted.text()).toContain("--background-color: #EEF2F5;");
  });

  it("the 404 page shows a signed-in person their own header, not Register / Sign in", async () => {
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const response = await device.request("/private/nowhere");
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain("<h1>Page not found</h1>");
    expect(html).toContain(`>${username}</span>`);
    expect(html).toContain('action="/logout"');
    expect(html).not.toContain(">Register</a>");
    expect(html).not.toContain(">Sign in</a>");
  });

  it("/ says who is signed in and offers only the steps that make sense from there", async () => {
    const username = uniqueName();
    const device = await signUpAndIn(server.url, { username, password });
    const signedIn = await (await device.request("/")).text();
    expect(signedIn).toContain(`You are signed in as ${username}.`);
    expect(signedIn).toContain('<a data-discover="true" href="/private/change-password">Change your password</a>');
    expect(signedIn).not.toContain("First");
    expect(signedIn).not.toContain('href="/register"');
    expect(signedIn).toContain("<title>Start — Change Password Demo</title>");
    const signedOut = await (await new Device(server.url).request("/")).text();
    expect(signedOut).toContain("You are not signed in.");
    expect(signedOut).toMatch(/First <a [^>]*href="\/register">register<\/a>/);
    expect(signedOut).toMatch(/Then <a [^>]*href="\/login">sign in<\/a>/);
  });

  it.each([
    ["/", "Start"],
    ["/register", "Register"],
    ["/login", "Sign in"],
    ["/logout", "Sign out"],
  ])("%s is titled \"%s — Change Password Demo\"", async (path, title) => {
    const html = await (await fetch(new URL(path, server.url))).text();
    expect(html).toContain(`<title>${title} — Change Password Demo</title>`);
  });
});

describe("an unexpected error in a page's action", () => {
  it("gets the error page with the site's colours, title and the signed-in header", async () => {
    // The hasher breaks once the account is signed in: the change's check of the current password fails.
    let hasherBroken = false;
    const broken = await startServer({
      passwordHasher: {
        ...cheapHasher,
        verify: (hash, candidate) => (hasherBroken ? Promise.reject(new Error("the hasher broke")) : cheapHasher.verify(hash, candidate)),
      },
    });
    try {
      const username = uniqueName();
      const session = await signUpAndIn(broken.url, { username, password });
      hasherBroken = true;
      const response = await session.submitForm("/private/change-password", {
        current_password: password,
        new_password: "a brand new password",
        confirm_new_password: "a brand new password",
      });
      expect(response.status).toBe(500);
      const html = await response.text();
      expect(html).toContain("<h1>Something went wrong</h1>");
      expect(html).toContain("<title>Something went wrong — Change Password Demo</title>");
      expect(html).toContain("--background-color: #EEF2F5;");
      expect(html).toContain(`>${username}</span>`);
      expect(html).not.toContain("the hasher broke");
    } finally {
      await broken.close();
    }
  });
});

describe("register", () => {
  const form = (over: Record<string, string> = {}) => ({
    username: uniqueName(),
    email: `${uniqueName()}@example.com`,
    password,
    confirm_password: password,
    ...over,
  });

  it("redirects to the login page (also from the trailing-slash URL)", async () => {
    const response = await new Device(server.url).postForm("/register/", form());
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
  });

  it.each([
    ["a missing field", { email: "" }, "Form is invalid. Missing one or more fields."],
    ["a bad username", { username: "a b" }, "Usernames are 3 to 32 letters, digits, dots, dashes or underscores."],
    ["a bad email", { email: "not-an-email" }, "Enter a valid email address."],
    ["a short password", { password: "short", confirm_password: "short" }, "Password must be at least 12 characters long."],
    ["a mismatch", { confirm_password: "something else entirely" }, "Passwords do not match."],
  ])("refuses %s with a clear message", async (_name, over, message) => {
    const response = await new Device(server.url).postForm("/register", form(over));
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(pageErrorMessage(html)).toBe(message);
    expect(html).not.toContain(password);
  });

  it("refuses a username taken in another case, and a taken email", async () => {
    const first = form();
    await new Device(server.url).postForm("/register", first);
    const sameName = await new Device(server.url).postForm("/register", form({ username: first.username.toUpperCase() }));
    expect(sameName.status).toBe(409);
    // One message for both, so a probe does not learn which one is taken (tests/security/register-limit.test.ts).
    expect(pageErrorMessage(await sameName.text())).toBe("That username or email address is already registered.");
    const sameEmail = await new Device(server.url).postForm("/register", form({ email: first.email }));
    expect(sameEmail.status).toBe(409);
    expect(pageErrorMessage(await sameEmail.text())).toBe("That username or email address is already registered.");
  });
});

describe("login", () => {
  it("signs in case-insensitively by username and refuses a wrong password without saying which part was wrong", async () => {
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    expect((await signIn(new Device(server.url), { username: username.toUpperCase(), password })).status).toBe(303);
    for (const attempt of [
      { username, password: "wrong password!" },
      { username: "nobody_here", password },
    ]) {
      const response = await signIn(new Device(server.url), attempt);
      expect(response.status).toBe(401);
      expect(pageErrorMessage(await response.text())).toBe("Incorrect username or password.");
    }
  });

  it("honours a same-site redirectTo and ignores any other", async () => {
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password });
    const cases: [string, string][] = [
      ["/private/change-password", "/private/change-password"],
      ["//evil.example/x", "/"],
      ["/\\evil.example", "/"],
      ["https://evil.example", "/"],
      ["javascript:alert(1)", "/"],
      // Paths that only become another host once dot segments are resolved.
      ["/.//evil.example", "/"],
      ["/./\\evil.example", "/"],
      ["/\r\nSet-Cookie: x=1", "/"],
      // Escaped slashes stay escaped: a path on this site.
      ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
      // Non-ASCII and unsafe characters are percent-encoded (a raw "€" used to be a 500, a raw "é" a raw byte).
      ["/€", "/%E2%82%AC"],
      ["/é", "/%C3%A9"],
      ["/a b?q=ü#é", "/a%20b?q=%C3%BC#%C3%A9"],
    ];
    for (const [redirectTo, expected] of cases) {
      const response = await new Device(server.url).postForm("/login", { username, password, redirectTo });
      expect(response.headers.get("location")).toBe(expected);
    }
  });

  it("puts a same-site redirectTo from the query into the form", async () => {
    const html = await (await fetch(`${server.url}/login?redirectTo=/private/change-password`)).text();
    expect(html).toContain('name="redirectTo" value="/private/change-password"');
    const evil = await (await fetch(`${server.url}/login?redirectTo=//evil.example`)).text();
    expect(evil).toContain('name="redirectTo" value=""');
    const accented = await (await fetch(`${server.url}/login?redirectTo=${encodeURIComponent("/€")}`)).text();
    expect(accented).toContain('name="redirectTo" value="/%E2%82%AC"');
  });
});

describe("logout", () => {
  it("POST ends the session and deletes the cookie; GET changes nothing", async () => {
    const device = await signUpAndIn(server.url, { username: uniqueName(), password });
    expect((await device.request("/logout")).status).toBe(200);
    expect((await device.request("/private/change-password")).status).toBe(200);

    const token = device.cookies.get("session")!;
    const response = await device.submitForm("/logout/", {});
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    expect(response.headers.getSetCookie()).toEqual([
      "session=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax",
      "flash=signed_out; Max-Age=120; HttpOnly; Path=/; SameSite=Lax",
    ]);
    expect(await sqlOf(server.app.store).value("SELECT count(*) FROM session WHERE id = ?", sessionIdOf(token))).toBe(0);
  });
});
