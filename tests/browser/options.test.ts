import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoAxeViolations } from "../helpers/axe.js";
import { launchChromium } from "../helpers/chromium.js";
import { signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { registerThroughPage, signInThroughPage } from "../helpers/page-forms.js";
import { serversForEachTest } from "../helpers/server.js";

/**
 * Options whose effect only a browser shows: the colours as the visitor's system scheme picks
 * them, the forms that read-only mode turns off, the sign-in page moved by LOGIN_URL (with
 * JavaScript on, the browser's own router must find it too).
 */

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

const serverWith = serversForEachTest();

/** The seed's exact colours, as the README gives them. */
const seedStyles = '{"buttonColor":"#419EF8","linkColor":"#419EF8","errorTextColor":"red"}';

async function coloursOf(page: Page) {
  return page.evaluate(() => {
    const button = document.querySelector("button[type=submit]")!;
    return {
      background: getComputedStyle(document.body).backgroundColor,
      button: getComputedStyle(button).backgroundColor,
      // What form controls and scroll bars follow.
      meta: document.querySelector('meta[name="color-scheme"]')?.getAttribute("content"),
    };
  });
}

describe.each([false, true])("STYLES and DARK_STYLES (JavaScript %s)", (javaScriptEnabled) => {
  async function pageIn(url: string, colorScheme: "light" | "dark") {
    const context = await browser.newContext({ javaScriptEnabled, colorScheme });
    const page = await context.newPage();
    await page.goto(`${url}/login`);
    return { page, close: () => context.close() };
  }

  it("STYLES alone: the same colours in a dark system scheme as in a light one", async () => {
    const server = await serverWith({ env: { STYLES: seedStyles } });
    const expected = { background: "rgb(238, 242, 245)", button: "rgb(65, 158, 248)", meta: "light" };
    for (const scheme of ["light", "dark"] as const) {
      const { page, close } = await pageIn(server.url, scheme);
      expect(await coloursOf(page), scheme).toEqual(expected);
      await close();
    }
  });

  it("STYLES with DARK_STYLES: each scheme its own palette", async () => {
    const server = await serverWith({ env: { STYLES: seedStyles, DARK_STYLES: '{"buttonColor":"#FFD54F"}' } });
    const light = await pageIn(server.url, "light");
    expect(await coloursOf(light.page)).toEqual({ background: "rgb(238, 242, 245)", button: "rgb(65, 158, 248)", meta: "light dark" });
    await light.close();
    const dark = await pageIn(server.url, "dark");
    expect(await coloursOf(dark.page)).toEqual({ background: "rgb(18, 20, 23)", button: "rgb(255, 213, 79)", meta: "light dark" });
    await dark.close();
  });

  it("neither: the default light and dark palettes", async () => {
    const server = await serverWith();
    const dark = await pageIn(server.url, "dark");
    expect(await coloursOf(dark.page)).toEqual({ background: "rgb(18, 20, 23)", button: "rgb(138, 180, 248)", meta: "light dark" });
    await dark.close();
  });
});

describe.each([false, true])("READ_ONLY (JavaScript %s)", (javaScriptEnabled) => {
  it("the change and register forms say so at the top and take no input", async () => {
    const writable = await serverWith();
    const server = await serverWith({ env: { READ_ONLY: "yes" }, ...writable.database });
    const username = uniqueName("ro");
    const device = await signUpAndIn(server.url, { username, password: "original password 1" }, { registerAt: writable.url });
    const context = await browser.newContext({ javaScriptEnabled });
    await context.addCookies([{ name: "session", value: device.cookies.get("session")!, domain: new URL(server.url).hostname, path: "/" }]);
    const page = await context.newPage();
    for (const [path, button, notice] of [
      ["/private/change-password", "Change password", "Passwords cannot be changed at the moment."],
      ["/register", "Register", "New accounts cannot be registered at the moment."],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      const shown = page.getByText(`This site is in read-only mode. ${notice}`);
      await shown.waitFor();
      const [noticeBox, firstInput] = await Promise.all([shown.boundingBox(), page.locator("main input:not([type=hidden]):not([hidden])").first().boundingBox()]);
      expect(noticeBox!.y, path).toBeLessThan(firstInput!.y);
      await expect(page.getByRole("button", { name: button, exact: true }).isDisabled(), path).resolves.toBe(true);
      for (const input of await page.locator("main input:not([type=hidden]):not([hidden])").all()) {
        await expect(input.isDisabled(), path).resolves.toBe(true);
      }
      // Typing does nothing: the focus cannot even land there.
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      await expect(page.evaluate(() => document.activeElement?.closest("main") === null), path).resolves.toBe(true);
      await expectNoAxeViolations(browser, page, { javaScriptEnabled });
    }
    await context.close();
  });
});

describe.each([false, true])("LOGIN_URL=/signin (JavaScript %s)", (javaScriptEnabled) => {
  it("register, sign in, change and sign in again, all through /signin", async () => {
    const server = await serverWith({ env: { LOGIN_URL: "/signin" } });
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    const username = uniqueName("signin");
    await page.goto(`${server.url}/register`);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Email").fill(`${username}@example.com`);
    await page.getByLabel(/^Password/).fill("original password 1");
    await page.getByLabel("Confirm password").fill("original password 1");
    await page.getByRole("button", { name: "Register" }).click();
    await page.waitForURL(`${server.url}/signin`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await expectNoAxeViolations(browser, page, { javaScriptEnabled });

    // The header's link leads to the same page.
    await page.goto(`${server.url}/register`);
    await page.getByRole("navigation").getByRole("link", { name: "Sign in" }).click();
    await page.waitForURL(`${server.url}/signin`);
    await signInThroughPage(page, username, "original password 1");
    await page.getByText(`You are signed in as ${username}.`).waitFor();

    await page.getByRole("link", { name: "Change your password" }).click();
    await page.getByLabel("Current password").fill("original password 1");
    await page.getByLabel(/^New password/).fill("a brand new password");
    await page.getByLabel("Confirm new password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL(`${server.url}/signin`);
    await page.getByRole("status").getByText("Your password was changed. Sign in with your new password.").waitFor();
    await expect(page.getByLabel("Username").inputValue()).resolves.toBe(username);
    expect(problems).toEqual([]);
    await context.close();
  });
});
