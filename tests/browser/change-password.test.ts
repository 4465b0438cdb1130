import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn } from "../helpers/device.js";
import { launchChromium } from "../helpers/chromium.js";
import { registerThroughPage, signInThroughPage } from "../helpers/page-forms.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const password = "original password 1";
const fresh = "a brand new password";

const register = (page: Page, username: string) => registerThroughPage(page, server.url, username, password);
const login = signInThroughPage;

async function sessionsOf(username: string): Promise<number> {
  return (await sqlOf(server.app.store).value(`SELECT count(*) FROM session JOIN "user" ON "user".id = session.user_id WHERE "user".username = ?`, username)) as number;
}

describe.each([
  { javaScriptEnabled: false, mode: "with JavaScript off" },
  { javaScriptEnabled: true, mode: "with JavaScript on" },
])("a person $mode", ({ javaScriptEnabled }) => {
  it("registers, signs in, changes the password, lands on the login page, and only the new password works", async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    // The CSP is enforced: any inline script or style without the nonce would be reported here.
    const problems: string[] = [];
    page.on("console", (message) => {
      // (A 401 from the deliberately wrong login below is expected and not a problem.)
      if (message.type() === "error" && !/status of 401/.test(message.text())) problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    const username = uniqueName("browser");
    await register(page, username);

    // Visiting the private page signed out leads to the login page and back.
    await page.goto(`${server.url}/private/change-password`);
    await page.waitForURL(`${server.url}/login?redirectTo=/private/change-password`);
    await login(page, username, password);
    await page.waitForURL(`${server.url}/private/change-password`);
    await page.getByRole("heading", { name: "Change Password" }).waitFor();
    await page.getByText(`Signed in as ${username}.`).waitFor();

    // A second device, signed in too.
    const otherDevice = new Device(server.url);
    expect((await signIn(otherDevice, { username, password })).status).toBe(303);
    expect(await sessionsOf(username)).toBe(2);

    await page.getByLabel("Current password").fill(password);
    await page.getByLabel(/^New password/).fill(fresh);
    await page.getByLabel("Confirm new password").fill(fresh);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL(`${server.url}/login`);

    expect(await sessionsOf(username)).toBe(0);
    expect((await context.cookies()).filter((cookie) => cookie.name === "session")).toEqual([]);
    expect((await otherDevice.request("/private/change-password")).status).toBe(302);

    await login(page, username, password);
    await page.getByRole("alert").getByText("Incorrect username or password.").waitFor();
    await login(page, username, fresh);
    await page.waitForURL(`${server.url}/`);
    await page.getByText(`You are signed in as ${username}.`).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("sees 'Incorrect password.' on the page after a wrong current password, still signed in", async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const username = uniqueName("browser");
    await register(page, username);
    await login(page, username, password);
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/private/change-password`);
    // Set on the window: a full page load would wipe it, a JavaScript submission keeps it.
    if (javaScriptEnabled) await page.evaluate(() => Object.assign(window, { notReloaded: true }));

    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel(/^New password/).fill(fresh);
    await page.getByLabel("Confirm new password").fill(fresh);
    if (javaScriptEnabled) {
      // Hold the real request back a moment so the pending state can be seen.
      await page.route("**/private/change-password?*", async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        await route.continue();
      });
    }
    await page.getByRole("button", { name: "Change password" }).click();
    if (javaScriptEnabled) {
      const pending = page.getByRole("button", { name: "Changing password…" });
      await pending.waitFor();
      await expect(pending.isDisabled()).resolves.toBe(true);
    }
    // The summary links to the field; the message stands next to the field, once.
    await page.getByRole("alert").getByRole("link", { name: "Current password" }).waitFor();
    await page.locator("#field-current_password-error").getByText("Incorrect password.").waitFor();
    await expect(page.getByText("Incorrect password.").count()).resolves.toBe(1);
    await expect(page.getByLabel("Current password").getAttribute("aria-invalid")).resolves.toBe("true");
    // No password comes back into the page.
    await expect(page.getByLabel("Current password").inputValue()).resolves.toBe(javaScriptEnabled ? "not my password" : "");
    expect(await page.content()).not.toContain(`value="${fresh}"`);
    if (javaScriptEnabled) {
      await expect(page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).resolves.toBe(true);
    }
    expect(await sessionsOf(username)).toBe(1);
    await context.close();
  });
});
