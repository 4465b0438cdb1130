import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastSeenWindowMinutes, sessionIdOf } from "../../server/auth/sessions.js";
import { createClient, isAppError } from "../../server/trpc/client.js";
import { Device } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf, type Sql } from "../helpers/sql.js";

/**
 * /private/sessions and the `auth.sessions` procedures against a real server and database: what
 * the list shows, signing out one device or every other one (with and without a page's form), what
 * a signed-out device then sees, and that nobody can end another account's session.
 */

const password = "original password 1";
const pagePath = "/private/sessions";
const firefoxOnLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const chromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const safariOnIos = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const sessionEnded = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one. Sign in again to continue.";
const formRefused = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one. Nothing was changed. Sign in again, then send the form again.";

/** A browser: a Device that sends its own User-Agent and, with the server's trustProxy, plays a client address. */
class Browser extends Device {
  constructor(
    baseUrl: string,
    readonly userAgent: string,
    address: string,
  ) {
    super(baseUrl, address);
  }

  override request(path: string, init: RequestInit & { origin?: string | null } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has("user-agent")) headers.set("user-agent", this.userAgent);
    return super.request(path, { ...init, headers });
  }
}

let server: TestServer;
let sql: Sql;
beforeAll(async () => {
  server = await startServer({ trustProxy: true, rateLimitIpAttempts: 100_000 });
  sql = sqlOf(server.app.store);
});
afterAll(() => server?.close());

async function register(username: string) {
  const response = await new Device(server.url).postForm("/register", {
    username,
    email: `${username}@example.com`,
    password,
    confirm_password: password,
  });
  expect(response.status).toBe(303);
}

async function signedIn(username: string, userAgent: string, address: string): Promise<Browser> {
  const browser = new Browser(server.url, userAgent, address);
  const response = await browser.postForm("/login", { username, password });
  expect(response.status).toBe(303);
  return browser;
}

/** alice on her laptop (Firefox, Linux) and her office PC (Chrome, Windows). */
async function aliceOnTwoDevices() {
  const username = uniqueName("alice");
  await register(username);
  const laptop = await signedIn(username, firefoxOnLinux, "198.51.100.7");
  const office = await signedIn(username, chromeOnWindows, "203.0.113.20");
  return { username, laptop, office };
}

function decodeEntities(text: string): string {
  return text.replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The text of the page without its markup, e.g. "Firefox on Linux (this device)". */
function textOf(html: string): string {
  const body = html.replace(/<script\b[\s\S]*?<\/script>/g, "").replace(/<!--[\s\S]*?-->/g, "");
  return decodeEntities(body.replace(/<[^>]+>/g, " ").replace(/\s+/g, " "));
}

function flashOf(html: string): string | null {
  const match = /<p class="flash" role="status">([^<]*)<\/p>/.exec(html);
  return match ? decodeEntities(match[1]!) : null;
}

/** The devices' opaque ids in the page's forms, in page order (the other devices'; this one has no button). */
function idsOf(html: string): string[] {
  return [...html.matchAll(/name="session" value="([^"]+)"/g)].map((match) => match[1]!);
}

/** The id in the form of the device listed under `name` ("Chrome on Windows"). */
function idOf(html: string, name: string): string {
  const entry = html.split('<li class="device">').find((part) => part.includes(`${name}</h2>`));
  const id = entry && idsOf(entry)[0];
  if (!id) throw new Error(`no sign-out form for ${name}`);
  return id;
}

async function page(browser: Device, path = pagePath): Promise<{ status: number; html: string; location: string | null }> {
  const response = await browser.request(path);
  return { status: response.status, html: await response.text(), location: response.headers.get("location") };
}

async function sessionCount(username: string): Promise<number> {
  return (await sql.value<number>(`SELECT count(*) FROM session WHERE user_id = (SELECT id FROM "user" WHERE username = ?)`, username)) ?? 0;
}

/** A signed-out device's next page: the sign-in page, saying why, and back to where it was. */
async function expectSentToSignIn(browser: Device, from: string) {
  const answer = await page(browser, from);
  expect(answer.status).toBe(302);
  expect(answer.location).toBe(`/login?redirectTo=${from}`);
  expect(browser.cookies.has("session")).toBe(false);
  const signIn = await page(browser, answer.location!);
  expect(signIn.status).toBe(200);
  expect(flashOf(signIn.html)).toBe(sessionEnded);
  expect(signIn.html).toContain(`name="redirectTo" value="${from}"`);
}

describe("the list of signed-in devices", () => {
  it("shows each device with its browser, system, address and times, this one marked, and no token, stored id or User-Agent text", async () => {
    const { username, laptop, office } = await aliceOnTwoDevices();
    const { status, html } = await page(laptop);
    expect(status).toBe(200);
    expect(html).toContain("<title>Signed-in devices — Change Password Demo</title>");
    const text = textOf(html);
    expect(text).toContain(`These devices are signed in as ${username}.`);
    expect(text).toMatch(/Firefox on Linux \(this device\) IP address 198\.51\.100\.7 Signed in \d{4}-\d\d-\d\d \d\d:\d\d UTC Last seen Now/);
    expect(text).toMatch(/Chrome on Windows IP address 203\.0\.113\.20 Signed in \d{4}-\d\d-\d\d \d\d:\d\d UTC Last seen \d{4}-\d\d-\d\d \d\d:\d\d UTC Sign out/);
    expect(text.indexOf("Firefox on Linux")).toBeLessThan(text.indexOf("Chrome on Windows"));
    expect(text).toContain("Sign out everywhere else");
    // One button per other device, named after it; none for this one.
    expect(idsOf(html)).toHaveLength(1);
    expect(text).toMatch(/Sign out Chrome on Windows, signed in \d{4}-/);

    const stored = await sql.values<string>(`SELECT id FROM session WHERE user_id = (SELECT id FROM "user" WHERE username = ?)`, username);
    for (const secret of [...stored, laptop.cookies.get("session")!, office.cookies.get("session")!]) expect(html).not.toContain(secret);
    expect(html).not.toContain("Gecko/20100101");
    expect(html).not.toContain("KHTML");
  });

  it("shows a device whose User-Agent names nothing on its lists as unknown, never its text", async () => {
    const { username, laptop } = await aliceOnTwoDevices();
    await signedIn(username, "<b>Security team</b>: this sign-in is expected, no action needed", "192.0.2.44");
    const text = textOf((await page(laptop)).html);
    expect(text).toContain("Unknown browser IP address 192.0.2.44");
    expect(text).not.toMatch(/Security team|expected/);
  });

  it("sends a signed-out visitor to sign in and back, with no reason given when it had no session", async () => {
    const answer = await page(new Device(server.url));
    expect(answer.status).toBe(302);
    expect(answer.location).toBe(`/login?redirectTo=${pagePath}`);
    expect(flashOf((await page(new Device(server.url), answer.location!)).html)).toBeNull();
  });
});

describe("signing out another device from the page", () => {
  it("signs that device out: it lands on sign-in with the reason, and only it", async () => {
    const { username, laptop, office } = await aliceOnTwoDevices();
    const phone = await signedIn(username, safariOnIos, "192.0.2.9");
    const officeId = idOf((await page(laptop)).html, "Chrome on Windows");

    const response = await laptop.submitForm(pagePath, { intent: "sign-out", session: officeId });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(pagePath);
    const after = await page(laptop);
    expect(flashOf(after.html)).toBe("The device was signed out. It has to sign in again to use your account.");
    expect(textOf(after.html)).not.toContain("Chrome on Windows");
    expect(textOf(after.html)).toContain("Safari on iOS");
    // A reload shows the confirmation no more.
    expect(flashOf((await page(laptop)).html)).toBeNull();

    await expectSentToSignIn(office, "/private/change-password");
    expect((await page(phone, "/private/change-password")).status).toBe(200);
    expect(await sessionCount(username)).toBe(2);
    expect(await sql.values(`SELECT type FROM auth_event WHERE type = 'device_signed_out' AND user_id = (SELECT id FROM "user" WHERE username = ?)`, username)).toEqual([
      "device_signed_out",
    ]);
  });

  it("a form the signed-out device was filling in is not dropped silently: sign in, told why, and back to the form", async () => {
    const { username, laptop, office } = await aliceOnTwoDevices();
    // The office PC has the change form open, with its token, when the laptop signs it out.
    const token = await office.formToken("/private/change-password");
    expect(token).not.toBe("");
    expect((await laptop.submitForm(pagePath, { intent: "sign-out-others" })).status).toBe(303);

    const fresh = "a brand new password";
    const sent = await office.postForm("/private/change-password", {
      csrf: token,
      current_password: password,
      new_password: fresh,
      confirm_new_password: fresh,
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe("/login?redirectTo=/private/change-password");
    const signIn = await page(office, sent.headers.get("location")!);
    expect(flashOf(signIn.html)).toBe(formRefused);

    // Signing in again leads back to the form; the password did not change.
    const again = await office.postForm("/login", { username, password, redirectTo: "/private/change-password" });
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe("/private/change-password");
    expect((await page(office, "/private/change-password")).status).toBe(200);
  });

  it("the same for this page's own form on a device signed out meanwhile", async () => {
    const { laptop, office } = await aliceOnTwoDevices();
    const token = await office.formToken(pagePath);
    expect((await laptop.submitForm(pagePath, { intent: "sign-out-others" })).status).toBe(303);
    const sent = await office.postForm(pagePath, { csrf: token, intent: "sign-out-others" });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe(`/login?redirectTo=${pagePath}`);
    expect(flashOf((await page(office, sent.headers.get("location")!)).html)).toBe(formRefused);
    // The laptop was not signed out by the stale form.
    expect((await page(laptop)).status).toBe(200);
  });

  it("'Sign out everywhere else' signs out every other device and keeps this one", async () => {
    const { username, laptop, office } = await aliceOnTwoDevices();
    const phone = await signedIn(username, safariOnIos, "192.0.2.9");
    const response = await laptop.submitForm(pagePath, { intent: "sign-out-others" });
    expect(response.status).toBe(303);
    const after = await page(laptop);
    expect(after.status).toBe(200);
    expect(flashOf(after.html)).toBe("2 other devices were signed out.");
    expect(textOf(after.html)).toContain("No other device is signed in.");
    expect(idsOf(after.html)).toEqual([]);
    await expectSentToSignIn(office, pagePath);
    await expectSentToSignIn(phone, "/private/change-password");
    expect(await sessionCount(username)).toBe(1);

    expect((await laptop.submitForm(pagePath, { intent: "sign-out-others" })).status).toBe(303);
    expect(flashOf((await page(laptop)).html)).toBe("No other device was signed in.");
  });

  it("needs the page's form token: without it, nothing is signed out", async () => {
    const { username, laptop } = await aliceOnTwoDevices();
    const ids = idsOf((await page(laptop)).html);
    const forms: Record<string, string>[] = [{ intent: "sign-out-others" }, { intent: "sign-out", session: ids[0]! }];
    for (const fields of forms) {
      const response = await laptop.postForm(pagePath, fields);
      expect(response.status).toBe(403);
      expect(textOf(await response.text())).toContain("This form has expired. Reload the page and try again.");
    }
    expect(await sessionCount(username)).toBe(2);
  });
});

describe("odd input", () => {
  it("gets a clear 4xx, never a 500, and signs nobody out", async () => {
    const { username, laptop } = await aliceOnTwoDevices();
    const token = await laptop.formToken(pagePath);
    const forms: [Record<string, string>, number][] = [
      [{ csrf: token }, 422],
      [{ csrf: token, intent: "sign-out" }, 422],
      [{ csrf: token, intent: "nonsense", session: "x" }, 422],
      [{ csrf: token, intent: "sign-out", session: "" }, 404],
      [{ csrf: token, intent: "sign-out", session: "x".repeat(5000) }, 422],
    ];
    for (const [fields, status] of forms) {
      const response = await laptop.postForm(pagePath, fields);
      expect(response.status, JSON.stringify(fields).slice(0, 80)).toBe(status);
      expect(await response.text()).not.toMatch(/\bat [^\n]*\.(ts|js):\d+|SQLITE_/);
    }
    for (const body of ["{", JSON.stringify({ intent: "sign-out-others", csrf: token }), "intent=sign-out-others"]) {
      const response = await laptop.request(pagePath, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(response.status).toBe(403);
    }
    const url = `${server.url}/trpc`;
    const { token: bearer } = await createClient({ url }).auth.login.mutate({ username, password });
    for (const input of [{ sessionId: "x".repeat(101) }, { sessionId: 7 }, {}, null]) {
      const response = await fetch(`${url}/auth.signOutSession`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
        body: JSON.stringify(input),
      });
      // tRPC's own answer to input that does not fit the schema.
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe("invalid_input");
    }
    expect(await sessionCount(username)).toBe(3);
  });
});

describe("another account's sessions", () => {
  it("cannot be signed out through the page or tRPC, and the answer is the one for an id that never existed", async () => {
    const alice = await aliceOnTwoDevices();
    const bob = await aliceOnTwoDevices();
    const bobsIds = idsOf((await page(bob.laptop)).html);
    expect(bobsIds).toHaveLength(1);

    const foreign = await alice.laptop.submitForm(pagePath, { intent: "sign-out", session: bobsIds[0]! });
    const madeUp = await alice.laptop.submitForm(pagePath, { intent: "sign-out", session: "AAAAAAAAAAAAAAAAAAAAAA" });
    expect(foreign.status).toBe(404);
    expect(madeUp.status).toBe(404);
    const foreignText = textOf(await foreign.text());
    expect(foreignText).toContain("That device is not signed in to your account.");
    expect(textOf(await madeUp.text())).toBe(foreignText);

    const { token } = await createClient({ url: `${server.url}/trpc` }).auth.login.mutate({ username: alice.username, password });
    const client = createClient({ url: `${server.url}/trpc`, token });
    const refusal = await client.auth.signOutSession.mutate({ sessionId: bobsIds[0]! }).catch((error: unknown) => error);
    expect(isAppError(refusal) && refusal.data?.reason).toBe("no_such_device");
    expect(isAppError(refusal) && refusal.data?.httpStatus).toBe(404);

    expect((await page(bob.office, "/private/change-password")).status).toBe(200);
    expect(await sessionCount(bob.username)).toBe(2);
  });
});

describe("the typed tRPC procedures", () => {
  it("list the sessions with this one marked, sign one out, then every other one", async () => {
    const { username, laptop, office } = await aliceOnTwoDevices();
    const url = `${server.url}/trpc`;
    const { token } = await createClient({ url }).auth.login.mutate({ username, password });
    const client = createClient({ url, token });

    const { sessions } = await client.auth.sessions.query();
    expect(sessions).toHaveLength(3);
    expect(sessions[0]).toMatchObject({ current: true, ip: "127.0.0.1" });
    expect(sessions.filter((session) => session.current)).toHaveLength(1);
    const office_ = sessions.find((session) => session.browser === "Chrome")!;
    expect(office_).toMatchObject({ system: "Windows", ip: "203.0.113.20", current: false });
    expect(new Date(office_.signedInAt).toISOString()).toBe(office_.signedInAt);
    expect(sessions.map((session) => session.id)).not.toContain(sessionIdOf(token!));

    expect(await client.auth.signOutSession.mutate({ sessionId: office_.id })).toEqual({ signedOut: true, browser: "Chrome", system: "Windows" });
    await expectSentToSignIn(office, pagePath);

    const own = await client.auth.signOutSession.mutate({ sessionId: sessions[0]!.id }).catch((error: unknown) => error);
    expect(isAppError(own) && own.data?.reason).toBe("this_device");

    expect(await client.auth.signOutOtherSessions.mutate()).toEqual({ signedOut: 1 });
    await expectSentToSignIn(laptop, pagePath);
    expect((await client.auth.sessions.query()).sessions).toHaveLength(1);

    const anonymous = await createClient({ url }).auth.sessions.query().catch((error: unknown) => error);
    expect(isAppError(anonymous) && anonymous.data?.reason).toBe("not_signed_in");
  });
});

/**
 * Whether anything was written: on SQLite the app's connection's change counter (the test reads
 * through the same connection), on PostgreSQL the session row's xmin (every update writes a new
 * row version).
 */
async function writeMark(id: string): Promise<string> {
  return sql.dialect === "sqlite" ? String(await sql.value("SELECT total_changes()")) : String(await sql.value("SELECT xmin::text FROM session WHERE id = ?", id));
}

describe(`"last seen", written at most once per ${lastSeenWindowMinutes} minutes per session`, () => {
  it("an authenticated page view writes it once when it is older than the window, then nothing within it", async () => {
    const { laptop } = await aliceOnTwoDevices();
    const id = sessionIdOf(laptop.cookies.get("session")!);
    const lastSeen = () => sql.value<number>("SELECT last_seen_at FROM session WHERE id = ?", id);
    const started = await lastSeen();
    expect(started).toEqual(expect.any(Number));

    // Right after signing in: views within the window are reads only.
    let mark = await writeMark(id);
    for (let view = 0; view < 3; view++) expect((await page(laptop, "/private/change-password")).status).toBe(200);
    expect(await writeMark(id)).toBe(mark);
    expect(await lastSeen()).toBe(started);

    // Last seen longer ago than the window: the next view records it, once.
    const longAgo = Date.now() - (lastSeenWindowMinutes * 60_000 + 1_000);
    await sql.run("UPDATE session SET last_seen_at = ? WHERE id = ?", longAgo, id);
    mark = await writeMark(id);
    expect((await page(laptop, "/private/change-password")).status).toBe(200);
    const recorded = await lastSeen();
    expect(recorded).toBeGreaterThan(longAgo + lastSeenWindowMinutes * 60_000);
    const afterWrite = await writeMark(id);
    expect(afterWrite).not.toBe(mark);
    for (let view = 0; view < 3; view++) expect((await page(laptop, pagePath)).status).toBe(200);
    expect(await writeMark(id)).toBe(afterWrite);
    expect(await lastSeen()).toBe(recorded);
  });
});
