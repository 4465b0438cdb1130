import AxeBuilder from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn } from "../helpers/device.js";
import { launchChromium } from "../helpers/chromium.js";
import { uniqueName } from "../helpers/doors.js";
import { registerThroughPage, signInThroughPage } from "../helpers/page-forms.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * /private/sessions in Chromium, JavaScript on and off: what a person sees, signing out another
 * device and every other one, axe on each state, and what the signed-out device then meets (the
 * sign-in page saying why, also when it was in the middle of filling in a form).
 */

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ rateLimitIpAttempts: 10_000 }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const password = "original password 1";
const chromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const sessionEnded = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one. Sign in again to continue.";
const formRefused = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one. Nothing was changed. Sign in again, then send the form again.";

/**
 * axe runs inside the page, which a page with JavaScript disabled cannot do: there, the page's HTML
 * as the server rendered it is served again, scripts removed, in a context where axe can run
 * (as tests/browser/experience.test.ts does).
 */
async function expectNoAxeViolations(page: Page, javaScriptEnabled: boolean) {
  let target = page;
  let copy: BrowserContext | null = null;
  if (!javaScriptEnabled) {
    const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "");
    copy = await browser.newContext();
    target = await copy.newPage();
    await target.route(page.url(), (route) => route.fulfill({ contentType: "text/html", body: html }));
    await target.goto(page.url());
  }
  try {
    const { violations } = await new AxeBuilder({ page: target }).analyze();
    expect(violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`)).toEqual([]);
  } finally {
    await copy?.close();
  }
}

/** A browser context with a page that reports console errors and page errors (a CSP violation is one). */
async function newPage(javaScriptEnabled: boolean) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  return { context, page, problems };
}

/** Another device of the account, signed in through the login form with Chrome on Windows' User-Agent. */
async function otherDevice(username: string): Promise<Device> {
  const device = new Device(server.url);
  const response = await device.postForm("/login", { username, password }, { headers: { "user-agent": chromeOnWindows } });
  expect(response.status).toBe(303);
  return device;
}

async function signedIn(device: Device): Promise<boolean> {
  const response = await device.request("/private/change-password");
  await response.arrayBuffer();
  return response.status === 200;
}

async function sessionsOf(username: string): Promise<number> {
  return (await sqlOf(server.app.store).value(`SELECT count(*) FROM session JOIN "user" ON "user".id = session.user_id WHERE "user".username = ?`, username)) as number;
}

describe.each([
  { javaScriptEnabled: false, mode: "with JavaScript off" },
  { javaScriptEnabled: true, mode: "with JavaScript on" },
])("the signed-in devices page $mode", ({ javaScriptEnabled }) => {
  it("lists this device and the others, signs one out, then every other one; axe finds nothing at each step", async () => {
    const { context, page, problems } = await newPage(javaScriptEnabled);
    const username = uniqueName("devices");
    await registerThroughPage(page, server.url, username, password);
    await page.goto(`${server.url}/private/change-password`);
    await page.waitForURL(`${server.url}/login?redirectTo=/private/change-password`);
    await signInThroughPage(page, username, password);
    await page.waitForURL(`${server.url}/private/change-password`);
    const office = await otherDevice(username);
    const phone = await signIn(new Device(server.url), { username, password });
    expect(phone.status).toBe(303);

    // From the change page, by its link.
    await page.getByRole("link", { name: "See the devices signed in to your account" }).click();
    await page.waitForURL(`${server.url}/private/sessions`);
    expect(await page.title()).toBe("Signed-in devices — Change Password Demo");
    await page.getByRole("heading", { level: 1, name: "Signed-in devices" }).waitFor();
    // Chromium's own User-Agent (HeadlessChrome on Linux) names this device.
    await page.getByRole("heading", { level: 2, name: "Chrome on Linux (this device)" }).waitFor();
    await page.getByRole("heading", { level: 2, name: "Chrome on Windows" }).waitFor();
    await page.getByRole("heading", { level: 2, name: "Unknown browser" }).waitFor();
    await expectNoAxeViolations(page, javaScriptEnabled);

    if (javaScriptEnabled) await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    await page.getByRole("button", { name: /^Sign out Chrome on Windows, signed in / }).click();
    await page.getByRole("status").getByText("The device was signed out. It has to sign in again to use your account.").waitFor();
    await page.getByRole("heading", { level: 2, name: "Chrome on Windows" }).waitFor({ state: "detached" });
    expect(await signedIn(office)).toBe(false);
    expect(await sessionsOf(username)).toBe(2);
    await expectNoAxeViolations(page, javaScriptEnabled);

    await page.getByRole("button", { name: "Sign out everywhere else" }).click();
    await page.getByRole("status").getByText("1 other device was signed out.").waitFor();
    await page.getByText("No other device is signed in.").waitFor();
    expect(await sessionsOf(username)).toBe(1);
    await expectNoAxeViolations(page, javaScriptEnabled);
    if (javaScriptEnabled) {
      // Sent without a reload, through Remix.
      await expect(page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).resolves.toBe(true);
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a device signed out while filling in the change form lands on sign-in, told why, and gets back to the form", async () => {
    const username = uniqueName("signedout");
    const first = await newPage(javaScriptEnabled);
    await registerThroughPage(first.page, server.url, username, password);
    await signInThroughPage(first.page, username, password);
    await first.page.waitForURL(`${server.url}/`);

    const second = await newPage(javaScriptEnabled);
    await second.page.goto(`${server.url}/login`);
    await signInThroughPage(second.page, username, password);
    await second.page.waitForURL(`${server.url}/`);
    await second.page.goto(`${server.url}/private/change-password`);
    await second.page.getByLabel("Current password").fill(password);
    await second.page.getByLabel(/^New password/).fill("a brand new password");
    await second.page.getByLabel("Confirm new password").fill("a brand new password");

    // Meanwhile the first browser signs every other device out.
    await first.page.goto(`${server.url}/private/sessions`);
    await first.page.getByRole("button", { name: "Sign out everywhere else" }).click();
    await first.page.getByRole("status").getByText("1 other device was signed out.").waitFor();

    await second.page.getByRole("button", { name: "Change password" }).click();
    await second.page.waitForURL(`${server.url}/login?redirectTo=/private/change-password`);
    await second.page.getByRole("status").getByText(formRefused).waitFor();
    await expectNoAxeViolations(second.page, javaScriptEnabled);
    await signInThroughPage(second.page, username, password);
    await second.page.waitForURL(`${server.url}/private/change-password`);
    await second.page.getByRole("heading", { name: "Change Password" }).waitFor();

    // A link followed on a page loaded before the sign-out (a client-side navigation with JavaScript) lands the same way.
    await first.page.goto(`${server.url}/private/sessions`);
    await first.page.getByRole("button", { name: "Sign out everywhere else" }).click();
    await first.page.getByRole("status").getByText("1 other device was signed out.").waitFor();
    await second.page.getByRole("link", { name: "See the devices signed in to your account" }).click();
    await second.page.waitForURL(`${server.url}/login?redirectTo=/private/sessions`);
    await second.page.getByRole("status").getByText(sessionEnded).waitFor();

    expect([...first.problems, ...second.problems]).toEqual([]);
    await first.context.close();
    await second.context.close();
  });
});
