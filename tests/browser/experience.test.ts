import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoAxeViolations as expectNoAxeViolationsIn } from "../helpers/axe.js";
import { signUpAndIn } from "../helpers/device.js";
import { launchChromium } from "../helpers/chromium.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

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

/** A browser context already signed in as a new user (the cookie comes from the real login form). */
async function signedIn(options: { javaScriptEnabled: boolean; viewport?: { width: number; height: number } }) {
  const username = uniqueName("ux");
  const device = await signUpAndIn(server.url, { username, password });
  const context = await browser.newContext(options);
  const { hostname } = new URL(server.url);
  await context.addCookies([{ name: "session", value: device.cookies.get("session")!, domain: hostname, path: "/" }]);
  return { username, context, page: await context.newPage() };
}

const expectNoAxeViolations = (page: Page, options: { javaScriptEnabled?: boolean; colorScheme?: "dark" | "light" } = {}) =>
  expectNoAxeViolationsIn(browser, page, options);

async function submitWrongCurrentPassword(page: Page) {
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel(/^New password/).fill("a brand new password");
  await page.getByLabel("Confirm new password").fill("a brand new password");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByRole("alert").getByText("Incorrect password.").waitFor();
}

describe.each([
  { javaScriptEnabled: false, mode: "JavaScript off" },
  { javaScriptEnabled: true, mode: "JavaScript on" },
])("accessibility with $mode", ({ javaScriptEnabled }) => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ({ context, page } = await signedIn({ javaScriptEnabled }));
  });
  afterAll(() => context.close());

  it.each(["/", "/register", "/login", "/private/change-password"])("axe finds nothing on %s", async (path) => {
    await page.goto(`${server.url}${path}`);
    await expectNoAxeViolations(page, { javaScriptEnabled });
  });

  it("axe finds nothing in the error states, and the error summary has the focus", async () => {
    await page.goto(`${server.url}/private/change-password`);
    await submitWrongCurrentPassword(page);
    await expectNoAxeViolations(page, { javaScriptEnabled });
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("form-error");
    const current = page.getByLabel("Current password");
    await expect(current.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(current.getAttribute("aria-describedby")).resolves.toContain("field-current_password-error");

    const anonymous = await browser.newContext({ javaScriptEnabled });
    const other = await anonymous.newPage();
    await other.goto(`${server.url}/login`);
    await other.getByLabel("Username").fill("nobody_here");
    await other.getByLabel("Password").fill("wrong password");
    await other.getByRole("button", { name: "Sign in" }).click();
    await other.getByRole("alert").waitFor();
    await expectNoAxeViolations(other, { javaScriptEnabled });
    await other.goto(`${server.url}/register`);
    await other.getByLabel("Username").fill("a b");
    await other.getByLabel("Email").fill("someone@example.com");
    await other.getByLabel(/^Password/).fill(password);
    await other.getByLabel("Confirm password").fill(password);
    await other.getByRole("button", { name: "Register" }).click();
    await other.getByRole("alert").waitFor();
    await expectNoAxeViolations(other, { javaScriptEnabled });
    await anonymous.close();
  });

  it("is usable 320 px wide and at 200 % zoom: nothing overflows sideways", async () => {
    for (const viewport of [{ width: 320, height: 640 }, { width: 640, height: 400 }]) {
      await page.setViewportSize(viewport);
      await page.goto(`${server.url}/private/change-password`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const button = await page.getByRole("button", { name: "Change password" }).boundingBox();
      expect(button!.x + button!.width).toBeLessThanOrEqual(viewport.width);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it("follows a dark system colour scheme", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${server.url}/private/change-password`);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(18, 20, 23)");
    await expectNoAxeViolations(page, { javaScriptEnabled, colorScheme: "dark" });
    await page.emulateMedia({ colorScheme: "light" });
  });
});

describe("guidance without JavaScript", () => {
  it("states the rules under the field and offers no script-only controls", async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: false });
    await page.goto(`${server.url}/private/change-password`);
    await page.getByText("Use 12 to 128 characters; spaces, emoji and any other characters are fine. Common passwords, your username and your email address are not allowed.").waitFor();
    const hintId = await page.getByLabel(/^New password/).getAttribute("aria-describedby");
    expect(hintId).toContain("field-new_password-hint");
    await expect(page.getByRole("button", { name: /^Show/ }).count()).resolves.toBe(0);
    await context.close();
  });
});

describe("with JavaScript", () => {
  it("moves through the form in reading order with a visible focus ring", async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: true });
    await page.goto(`${server.url}/private/change-password`);
    await page.getByRole("button", { name: "Show current password" }).waitFor();
    await page.getByLabel("Current password").focus();
    const order: string[] = [];
    for (let step = 0; step < 7; step++) {
      order.push(
        await page.evaluate(() => {
          const element = document.activeElement as HTMLElement;
          return element.id || element.textContent || element.tagName;
        }),
      );
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(outline).not.toBe("none");
      await page.keyboard.press("Tab");
    }
    expect(order).toEqual([
      "field-current_password",
      "Show current password",
      "field-new_password",
      "Show new password",
      "field-confirm_new_password",
      "Show confirm new password",
      "Change password",
    ]);
    await context.close();
  });

  it("offers Show/Hide buttons whose name says what a click does", async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: true });
    await page.goto(`${server.url}/private/change-password`);
    const show = page.getByRole("button", { name: "Show current password", exact: true });
    await show.waitFor();
    const input = page.getByLabel("Current password");
    await expect(input.getAttribute("type")).resolves.toBe("password");
    // Not a toggle: "Hide current password, pressed" would contradict itself.
    await expect(show.getAttribute("aria-pressed")).resolves.toBeNull();
    await show.click();
    const hide = page.getByRole("button", { name: "Hide current password", exact: true });
    await expect(input.getAttribute("type")).resolves.toBe("text");
    await expect(hide.textContent()).resolves.toBe("Hide current password");
    await expect(hide.evaluate((button) => button.firstChild?.textContent)).resolves.toBe("Hide");
    await expect(page.getByRole("button", { name: "Show current password", exact: true }).count()).resolves.toBe(0);
    // The keyboard works the same, and the focus stays on the button.
    await hide.press("Enter");
    await expect(input.getAttribute("type")).resolves.toBe("password");
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Show current password");
    // Each field has its own.
    await page.getByRole("button", { name: "Show new password", exact: true }).click();
    await expect(page.getByLabel(/^New password/).getAttribute("type")).resolves.toBe("text");
    await expect(input.getAttribute("type")).resolves.toBe("password");
    await page.getByRole("button", { name: "Hide new password", exact: true }).waitFor();
    await context.close();
  });

  it("loads the strength meter only when the user types, and hints whether the passwords match", async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: true });
    const scripts: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "script") scripts.push(request.url());
    });
    await page.goto(`${server.url}/private/change-password`);
    await page.waitForLoadState("networkidle");
    expect(scripts.some((url) => url.includes("password-strength"))).toBe(false);

    await page.getByLabel(/^New password/).fill("correct horse battery staple");
    await page.getByText(/^Strength: (Good|Strong)\.$/).waitFor();
    expect(scripts.some((url) => url.includes("password-strength"))).toBe(true);
    await page.getByLabel(/^New password/).fill("qwerty123456");
    await page.getByText(/^Strength: (Very weak|Weak)\.$/).waitFor();

    await page.getByLabel("Confirm new password").fill("qwerty12345");
    await page.getByText("The passwords do not match yet.").waitFor();
    await page.getByLabel("Confirm new password").fill("qwerty123456");
    await page.getByText("✓ The passwords match.").waitFor();
    await context.close();
  });

  it("sends one request for a double click, shows the pending state, and clears errors field by field", async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: true });
    await page.goto(`${server.url}/private/change-password`);
    await page.getByRole("button", { name: "Show current password" }).waitFor();
    const posts: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST") posts.push(request.url());
    });
    await page.route("**/private/change-password?*", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel(/^New password/).fill("a brand new password");
    await page.getByLabel("Confirm new password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).dblclick();
    const pending = page.getByRole("button", { name: "Changing password…" });
    await pending.waitFor();
    await expect(pending.isDisabled()).resolves.toBe(true);
    await page.getByRole("alert").getByText("Incorrect password.").waitFor();
    expect(posts).toHaveLength(1);

    // Typing in the field the error is about clears its error; the others are untouched.
    await expect(page.locator("#field-current_password-error").count()).resolves.toBe(1);
    await page.getByLabel("Current password").pressSequentially("x");
    await expect(page.locator("#field-current_password-error").count()).resolves.toBe(0);
    await expect(page.getByLabel("Current password").getAttribute("aria-invalid")).resolves.toBeNull();
    await context.close();
  });
});

describe("the flash message after a change", () => {
  it.each([false, true])("is shown on the login page once (JavaScript %s)", async (javaScriptEnabled) => {
    const { context, page } = await signedIn({ javaScriptEnabled });
    await page.goto(`${server.url}/private/change-password`);
    await page.getByLabel("Current password").fill(password);
    await page.getByLabel(/^New password/).fill("a brand new password");
    await page.getByLabel("Confirm new password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.getByRole("status").getByText("Your password was changed. Sign in with your new password.").waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await expect(page.getByRole("status").count()).resolves.toBe(0);
    await context.close();
  });
});

