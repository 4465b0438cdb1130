import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * "Forgot your password?" as a person does it in Chromium, with JavaScript on and off: from the
 * sign-in page to the e-mail's link to signing in with the new password, with axe on every state
 * of both pages (empty, refused, sent, link form, dead link).
 */

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ rateLimitResetIpAttempts: 1000 }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const password = "original password 1";
const fresh = "a brand new password";

/**
 * axe runs inside the page, which a page with JavaScript disabled cannot do: there, the exact HTML
 * the server rendered is served again without its scripts in a context where axe can run (as in
 * tests/browser/experience.test.ts).
 */
async function expectNoAxeViolations(page: Page, javaScriptEnabled: boolean) {
  if (!javaScriptEnabled) {
    const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "");
    const context = await browser.newContext();
    const copy = await context.newPage();
    await copy.route(page.url(), (route) => route.fulfill({ contentType: "text/html", body: html }));
    await copy.goto(page.url());
    try {
      await expectNoAxeViolations(copy, true);
    } finally {
      await context.close();
    }
    return;
  }
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`)).toEqual([]);
}

async function newestLink(email: string): Promise<string> {
  const body = await sqlOf(server.app.store).value<string>(
    "SELECT body FROM outbox WHERE recipient = ? AND subject = ? ORDER BY id DESC LIMIT 1",
    email,
    "Reset your password",
  );
  return /^http\S+\/reset-password\/\S+$/m.exec(body ?? "")![0];
}

describe.each([
  { javaScriptEnabled: false, mode: "with JavaScript off" },
  { javaScriptEnabled: true, mode: "with JavaScript on" },
])("a person who forgot their password, $mode", ({ javaScriptEnabled }) => {
  it("asks for a link, opens it, sets a new password, and signs in with it; axe finds nothing on the way", async () => {
    const username = uniqueName("forgot");
    const email = `${username}@example.com`;
    const elsewhere = await signUpAndIn(server.url, { username, password });
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    // The CSP is enforced: any inline script or style without the nonce would be reported here.
    const problems: string[] = [];
    page.on("console", (message) => {
      // (The refusals below answer 4xx on purpose.)
      if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));

    await page.goto(`${server.url}/login`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL(`${server.url}/forgot-password`);
    expect(await page.title()).toBe("Forgot password — Change Password Demo");
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    await expectNoAxeViolations(page, javaScriptEnabled);

    // Spaces pass the browser's `required` and reach the server, which refuses them on the field.
    const field = page.getByLabel("Username or email address");
    await field.fill("   ");
    await page.getByRole("button", { name: "Send reset link" }).click();
    // The summary links to the field; the message stands next to it.
    await page.getByRole("alert").getByRole("link", { name: "Username or email address" }).waitFor();
    await page.locator("#field-email_or_username-error").getByText("Enter your username or email address.").waitFor();
    await expect(field.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(field.getAttribute("aria-describedby")).resolves.toContain("field-email_or_username-error");
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("form-error");
    await expectNoAxeViolations(page, javaScriptEnabled);

    await field.fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    expect(page.url()).toBe(`${server.url}/forgot-password?sent`);
    await expectNoAxeViolations(page, javaScriptEnabled);

    const link = await newestLink(email);
    await page.goto(link);
    expect(await page.title()).toBe("Reset password — Change Password Demo");
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await expect(page.getByLabel(/^New password/).getAttribute("autocomplete")).resolves.toBe("new-password");
    await expect(page.getByLabel("Confirm new password").getAttribute("autocomplete")).resolves.toBe("new-password");
    await expectNoAxeViolations(page, javaScriptEnabled);

    await page.getByLabel(/^New password/).fill(fresh);
    await page.getByLabel("Confirm new password").fill("not the same password");
    await page.getByRole("button", { name: "Reset password" }).click();
    await page.getByRole("alert").getByRole("link", { name: "Confirm new password" }).waitFor();
    await page.locator("#field-confirm_new_password-error").getByText("Passwords do not match.").waitFor();
    await expect(page.getByLabel("Confirm new password").getAttribute("aria-invalid")).resolves.toBe("true");
    expect(await page.content()).not.toContain(`value="${fresh}"`);
    await expectNoAxeViolations(page, javaScriptEnabled);

    await page.getByLabel(/^New password/).fill(fresh);
    await page.getByLabel("Confirm new password").fill(fresh);
    await page.getByRole("button", { name: "Reset password" }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.getByRole("status").getByText("Your password was reset and every device was signed out.", { exact: false }).waitFor();
    await expect(page.getByLabel("Username").inputValue()).resolves.toBe(username);
    expect((await elsewhere.request("/private/change-password")).status).toBe(302);

    await page.getByLabel("Password").fill(fresh);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.url}/`);
    await page.getByText(`You are signed in as ${username}.`).waitFor();

    // The same link again: a clear page, and the way to ask for another.
    await page.goto(link);
    await page.getByRole("heading", { name: "This link cannot be used" }).waitFor();
    await page.getByRole("alert").getByText("already been used", { exact: false }).waitFor();
    await expectNoAxeViolations(page, javaScriptEnabled);
    await page.getByRole("link", { name: "Ask for a new link" }).click();
    await page.waitForURL(`${server.url}/forgot-password`);

    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("the change-password page", () => {
  it("offers the way out to a signed-in person who forgot the current password", async () => {
    const username = uniqueName("changer");
    const device = await signUpAndIn(server.url, { username, password });
    const context = await browser.newContext();
    const { hostname } = new URL(server.url);
    await context.addCookies([{ name: "session", value: device.cookies.get("session")!, domain: hostname, path: "/" }]);
    const page = await context.newPage();
    await page.goto(`${server.url}/private/change-password`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL(`${server.url}/forgot-password`);
    await page.getByLabel("Username or email address").fill(username);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    expect(await newestLink(`${username}@example.com`)).toContain(`${server.url}/reset-password/`);
    // Asking changes nothing yet: the session and the password stand.
    expect((await device.request("/private/change-password")).status).toBe(200);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
    await context.close();
  });
});
