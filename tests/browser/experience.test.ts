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
async function signedIn(options: { javaScriptEnabled: boolean; viewport?: { width: number; height: number }; username?: string }) {
  const { username = uniqueName("ux"), ...contextOptions } = options;
  const device = await signUpAndIn(server.url, { username, password });
  const context = await browser.newContext(contextOptions);
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
  await page.getByRole("alert").getByRole("link", { name: "Current password" }).waitFor();
  await page.locator("#field-current_password-error").getByText("Incorrect password.").waitFor();
}

/** Every field wrong at once: a wrong current password, a guessable new one, a confirmation that differs. */
async function submitEveryFieldWrong(page: Page) {
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel(/^New password/).fill("password123456");
  await page.getByLabel("Confirm new password").fill("password12345");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByRole("alert").getByRole("link", { name: "Confirm new password" }).waitFor();
}

const guessableMessage =
  "This password is too easy to guess. This is similar to a commonly used password. Add another word or two. Uncommon words are better.";

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

  it.each(["/", "/register", "/login", "/logout", "/private/change-password", "/nowhere"])("axe finds nothing on %s", async (path) => {
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

  it("shows every wrong field at once, each message once next to its field, the summary linking to them; axe finds nothing", async () => {
    await page.goto(`${server.url}/private/change-password`);
    await submitEveryFieldWrong(page);
    const fields = [
      ["Current password", "current_password", "Incorrect password."],
      ["New password", "new_password", guessableMessage],
      ["Confirm new password", "confirm_new_password", "Passwords do not match."],
    ] as const;
    const summary = page.getByRole("alert");
    await expect(summary.getByRole("link").allTextContents()).resolves.toEqual(fields.map(([label]) => label));
    for (const [label, name, message] of fields) {
      await expect(page.getByText(message, { exact: true }).count(), message).resolves.toBe(1);
      await expect(page.locator(`#field-${name}-error`).textContent()).resolves.toBe(message);
      const input = page.locator(`#field-${name}`);
      await expect(input.getAttribute("aria-invalid")).resolves.toBe("true");
      await expect(input.getAttribute("aria-describedby")).resolves.toContain(`field-${name}-error`);
      await expect(summary.getByRole("link", { name: label, exact: true }).getAttribute("href")).resolves.toBe(`#field-${name}`);
    }
    await expectNoAxeViolations(page, { javaScriptEnabled });
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("form-error");
    // A link in the summary takes the focus to its field.
    await summary.getByRole("link", { name: "New password", exact: true }).click();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("field-new_password");
    await expect(page.getByText(guessableMessage, { exact: true }).count()).resolves.toBe(1);
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

describe.each([
  { javaScriptEnabled: false, mode: "JavaScript off" },
  { javaScriptEnabled: true, mode: "JavaScript on" },
])("the header 375 px wide with the longest username ($mode)", ({ javaScriptEnabled }) => {
  it("takes two lines: the site's name, then the username cut short with an ellipsis and the whole of both links", async () => {
    // 32 characters, the most a username may have.
    const username = `${uniqueName("a_very_long_username_")}`.padEnd(32, "x").slice(0, 32);
    const { context, page } = await signedIn({ javaScriptEnabled, username, viewport: { width: 375, height: 700 } });
    await page.goto(`${server.url}/private/change-password`);
    const layout = await page.evaluate(() => {
      const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
      const name = document.querySelector<HTMLElement>(".site-header .username")!;
      return {
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        brand: box(".brand").toJSON() as DOMRect,
        nav: [...document.querySelectorAll(".site-header nav > *")].map((element) => element.getBoundingClientRect().toJSON() as DOMRect),
        truncated: name.scrollWidth > name.clientWidth,
        textOverflow: getComputedStyle(name).textOverflow,
        title: name.title,
        lineHeight: box(".brand").height,
        header: box(".site-header").height,
      };
    });
    expect(layout.overflow).toBeLessThanOrEqual(0);
    // Two lines (it was three): the links on one line of their own, below the site's name.
    expect(layout.header).toBeLessThan(layout.lineHeight * 2 + 50);
    const tops = new Set(layout.nav.map((box) => Math.round(box.top + box.height / 2)));
    expect(tops.size).toBe(1);
    expect(layout.nav[0]!.top).toBeGreaterThanOrEqual(layout.brand.bottom);
    for (const box of layout.nav) expect(box.right).toBeLessThanOrEqual(375);
    expect(layout.truncated).toBe(true);
    expect(layout.textOverflow).toBe("ellipsis");
    expect(layout.title).toBe(username);
    // Screen readers get the whole name; the links are whole and work.
    await page.getByRole("navigation", { name: "Account" }).getByText(`Signed in as ${username}`).waitFor();
    await expectNoAxeViolations(page, { javaScriptEnabled });
    await page.getByRole("navigation").getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You have signed out.").waitFor();
    await context.close();
  });

  it("fits on one line 1280 px wide", async () => {
    const username = `${uniqueName("a_very_long_username_")}`.padEnd(32, "x").slice(0, 32);
    const { context, page } = await signedIn({ javaScriptEnabled, username, viewport: { width: 1280, height: 700 } });
    await page.goto(`${server.url}/`);
    const [brand, nav, truncated] = await page.evaluate(() => {
      const name = document.querySelector<HTMLElement>(".site-header .username")!;
      return [
        document.querySelector(".brand")!.getBoundingClientRect().toJSON() as DOMRect,
        document.querySelector(".site-header nav")!.getBoundingClientRect().toJSON() as DOMRect,
        name.scrollWidth > name.clientWidth,
      ] as const;
    });
    expect(Math.abs(brand.top + brand.height / 2 - (nav.top + nav.height / 2))).toBeLessThan(4);
    expect(truncated).toBe(false);
    await context.close();
  });
});

describe("the strength meter's place", () => {
  /** From the new password's hint to the next field's label: the same with and without JavaScript until something is typed. */
  async function gapBelowNewPassword(javaScriptEnabled: boolean) {
    const { context, page } = await signedIn({ javaScriptEnabled });
    await page.goto(`${server.url}/private/change-password`);
    if (javaScriptEnabled) await page.getByRole("button", { name: "Show new password" }).waitFor();
    const measure = () =>
      page.evaluate(() => {
        const hint = document.querySelector("#field-new_password-hint")!.getBoundingClientRect();
        const next = document.querySelector('label[for="field-confirm_new_password"]')!.getBoundingClientRect();
        return Math.round(next.top - hint.bottom);
      });
    const empty = await measure();
    let typed: number | null = null;
    if (javaScriptEnabled) {
      await page.getByLabel(/^New password/).fill("correct horse battery staple");
      await page.getByText(/^Strength: /).waitFor();
      typed = await measure();
    }
    await context.close();
    return { empty, typed };
  }

  it("is not held open before anything is typed (no empty gap), and the meter appears when typing starts", async () => {
    const withoutScript = await gapBelowNewPassword(false);
    const withScript = await gapBelowNewPassword(true);
    expect(withoutScript.empty).toBe(16);
    expect(withScript.empty).toBe(withoutScript.empty);
    expect(withScript.typed!).toBeGreaterThan(withScript.empty);
  });
});

describe("guidance without JavaScript", () => {
  it("states the rules under the field and offers no script-only controls", async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: false });
    await page.goto(`${server.url}/private/change-password`);
    await page.getByText("Use 12 to 128 characters; spaces, emoji and any other characters are fine. A few uncommon words make a good password. Common or easily guessed passwords (like your username with a few digits) are not allowed.").waitFor();
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
    await page.getByText("Strength: Too common.").waitFor();

    await page.getByLabel("Confirm new password").fill("qwerty12345");
    await page.getByText("The passwords do not match yet.").waitFor();
    await page.getByLabel("Confirm new password").fill("qwerty123456");
    await page.getByText("✓ The passwords match.").waitFor();
    await context.close();
  });

  it("the strength meter never praises a password the server refuses, and says what to do", async () => {
    const { username, context, page } = await signedIn({ javaScriptEnabled: true });
    await page.goto(`${server.url}/private/change-password`);
    const newPassword = page.getByLabel(/^New password/);
    const meter = page.locator("#new_password-strength");
    await newPassword.fill("password123456");
    await meter.getByText("Strength: Too easy to guess.").waitFor();
    await meter.getByText("Add another word or two. Uncommon words are better.").waitFor();
    for (const [password, verdict] of [
      ["aaaaaaaaaaaa", "Too easy to guess"],
      ["111111111111", "Too easy to guess"],
      ["qwertyuiopasdf", "Too easy to guess"],
      [`${username}2024`, "Too easy to guess"],
      ["Tr0ub4dor&3", "Too short"],
      ["qwerty123456", "Too common"],
    ] as const) {
      await newPassword.fill(password);
      await meter.getByText(`Strength: ${verdict}.`).waitFor();
      await expect(meter.textContent()).resolves.not.toMatch(/Good|Strong|Fair/);
    }
    await newPassword.fill("correct horse battery staple");
    await meter.getByText(/^Strength: (Good|Strong)\.$/).waitFor();

    // What the meter refused, the server refuses, with the same advice.
    await page.getByLabel("Current password").fill(password);
    await newPassword.fill("password123456");
    await page.getByLabel("Confirm new password").fill("password123456");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.locator("#field-new_password-error").getByText(guessableMessage).waitFor();
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
    await page.locator("#field-current_password-error").getByText("Incorrect password.").waitFor();
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

