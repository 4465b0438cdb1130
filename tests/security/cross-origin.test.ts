import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn } from "../helpers/device.js";
import { launchChromium } from "../helpers/chromium.js";
import { signInThroughPage } from "../helpers/page-forms.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * A real browser, signed in to the app, visits a page on another loopback origin that auto-submits
 * a change-password form and tries credentialed fetches. Nothing may change.
 */

let app: TestServer;
let browser: Browser;
let evil: Server;
let evilPort: number;
const password = "original password 1";
const attackerPassword = "attacker chosen password";

function attackPage(appUrl: string): string {
  const fields = { current_password: password, new_password: attackerPassword, confirm_new_password: attackerPassword };
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input name="${name}" value="${value}">`)
    .join("");
  const json = JSON.stringify(fields);
  const trpc = JSON.stringify({ currentPassword: password, newPassword: attackerPassword });
  return `<!doctype html><html><body>
<form id="attack" method="post" action="${appUrl}/private/change-password">${inputs}</form>
<script>
  const send = (path, body, init) => fetch("${appUrl}" + path, { method: "POST", credentials: "include", body, ...init }).catch(() => {});
  Promise.all([
    send("/private/change-password", ${JSON.stringify(json)}, { mode: "no-cors", headers: { "content-type": "text/plain" } }),
    send("/private/change-password", ${JSON.stringify(json)}, { headers: { "content-type": "application/json" } }),
    send("/trpc/auth.changePassword", ${JSON.stringify(trpc)}, { mode: "no-cors", headers: { "content-type": "text/plain" } }),
    send("/trpc/auth.changePassword", ${JSON.stringify(trpc)}, { headers: { "content-type": "application/json" } }),
    send("/trpc/auth.logout", "{}", { mode: "no-cors" }),
    send("/logout", new URLSearchParams({ csrf: "guess" }), { mode: "no-cors" }),
  ]).then(() => { document.title = "fetches sent"; document.getElementById("attack").submit(); });
</script></body></html>`;
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startServer(), launchChromium()]);
  evil = createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end(attackPage(app.url));
  });
  await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
  evilPort = (evil.address() as AddressInfo).port;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => evil?.close(resolve));
  await app?.close();
});

describe.each([
  { name: "another port on the same host (same site: the cookie is sent)", host: "127.0.0.1" },
  { name: "another host (cross site: SameSite=Lax withholds the cookie)", host: "localhost" },
])("a hostile page on $name", ({ host }) => {
  it("auto-submits a form and tries credentialed fetches: nothing changes", async () => {
    const username = uniqueName("victim");
    const device = new Device(app.url);
    await device.postForm("/register", { username, email: `${username}@example.com`, password, confirm_password: password });

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/login`);
    await signInThroughPage(page, username, password);
    await page.waitForURL(`${app.url}/`);
    const hashBefore = (await sqlOf(app.app.store).value(`SELECT password_hash FROM "user" WHERE username = ?`, username));

    const requests: string[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(app.url)) requests.push(`${request.method()} ${request.url()}`);
    });
    await page.goto(`http://${host}:${evilPort}/`);
    // The form submission navigates the tab to the app's answer.
    await page.waitForURL((url) => url.href.startsWith(app.url), { timeout: 10_000 });
    await page.waitForLoadState("load");
    expect(requests.filter((line) => line.startsWith("POST")).length).toBeGreaterThanOrEqual(5);

    expect((await sqlOf(app.app.store).value(`SELECT password_hash FROM "user" WHERE username = ?`, username))).toBe(hashBefore);
    expect((await signIn(new Device(app.url), { username, password })).status).toBe(303);
    // Still signed in in that browser: no forced logout either.
    await page.goto(`${app.url}/private/change-password`);
    await page.getByText(`Signed in as ${username}.`).waitFor();
    await context.close();
  });
});
