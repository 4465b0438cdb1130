import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoAxeViolations } from "../helpers/axe.js";
import { launchChromium } from "../helpers/chromium.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { seedFields, uniqueName } from "../helpers/doors.js";
import { registerThroughPage, signInThroughPage } from "../helpers/page-forms.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * What a person is told, in Chromium with JavaScript on and off: after registering and signing
 * out, and when a password change on another device has signed this browser out while it had the
 * form open (the form is not dropped silently: the sign-in page says why and leads back to it).
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
const fresh = "a brand new password";
const changePage = "/private/change-password";
const ended = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one.";

/** A browser signed in as a new account; `elsewhere` is another device signed in to it. */
async function signedInBrowser(javaScriptEnabled: boolean) {
  const username = uniqueName("msg");
  const device = await signUpAndIn(server.url, { username, password });
  const context = await browser.newContext({ javaScriptEnabled });
  await context.addCookies([{ name: "session", value: device.cookies.get("session")!, domain: new URL(server.url).hostname, path: "/" }]);
  const elsewhere = new Device(server.url);
  expect((await signIn(elsewhere, { username, password })).status).toBe(303);
  const changeElsewhere = async () => {
    const response = await elsewhere.submitForm(changePage, seedFields({ currentPassword: password, newPassword: fresh, confirmNewPassword: fresh }));
    expect(response.status).toBe(303);
  };
  return { username, context, page: await context.newPage(), changeElsewhere };
}

const status = (page: Page) => page.getByRole("status");

describe.each([
  { javaScriptEnabled: false, mode: "JavaScript off" },
  { javaScriptEnabled: true, mode: "JavaScript on" },
])("with $mode", ({ javaScriptEnabled }) => {
  it("registering leads to the sign-in page, which confirms it and has the username filled in", async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const username = uniqueName("Reg");
    await registerThroughPage(page, server.url, username, password);
    await status(page).getByText("Your account was created. Sign in with your new password.").waitFor();
    await expect(page.getByLabel("Username").inputValue()).resolves.toBe(username);
    await expectNoAxeViolations(browser, page, { javaScriptEnabled });
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(`You are signed in as ${username}.`).waitFor();
    await context.close();
  });

  it("signing out leads to the start page, which says so", async () => {
    const { context, page } = await signedInBrowser(javaScriptEnabled);
    await page.goto(`${server.url}/`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await status(page).getByText("You have signed out.").waitFor();
    await page.getByText("You are not signed in.").waitFor();
    await context.close();
  });

  it("the form sent after a change elsewhere leads to the sign-in page, which says why, then back to the form", async () => {
    const { username, context, page, changeElsewhere } = await signedInBrowser(javaScriptEnabled);
    await page.goto(`${server.url}${changePage}`);
    await page.getByLabel("Current password").fill(password);
    await page.getByLabel(/^New password/).fill("a third password 3");
    await page.getByLabel("Confirm new password").fill("a third password 3");
    await changeElsewhere();
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL(`${server.url}/login?redirectTo=${changePage}`);
    await status(page).getByText(`${ended} Nothing was changed. Sign in again, then send the form again.`).waitFor();
    await expectNoAxeViolations(browser, page, { javaScriptEnabled });
    await signInThroughPage(page, username, fresh);
    await page.waitForURL(`${server.url}${changePage}`);
    await page.getByText(`Signed in as ${username}.`).waitFor();
    await context.close();
  });

  it("following a link after a change elsewhere: the sign-in page says why", async () => {
    const { context, page, changeElsewhere } = await signedInBrowser(javaScriptEnabled);
    await page.goto(`${server.url}/`);
    await changeElsewhere();
    // The header still shows the account it was loaded with; its link now leads to sign in.
    await page.getByRole("navigation").getByRole("link", { name: "Change password" }).click();
    await page.waitForURL(`${server.url}/login?redirectTo=${changePage}`);
    await status(page).getByText(`${ended} Sign in again to continue.`).waitFor();
    await page.getByRole("navigation").getByRole("link", { name: "Sign in" }).waitFor();
    await context.close();
  });
});
