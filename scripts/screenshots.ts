/**
 * `npm run screenshots`: drives Debian's Chromium through the change-password page and saves the
 * README's pictures in docs/screenshots/ (empty form, an error, the message after a change).
 * Needs a build (`npm run build`).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../server/app.js";
import { cheapHasher } from "../tests/helpers/cheap-hasher.js";
import { launchChromium } from "../tests/helpers/chromium.js";
import { registerThroughPage, signInThroughPage } from "../tests/helpers/page-forms.js";
import { tempDir } from "../tests/helpers/temp.js";

const out = "docs/screenshots";
mkdirSync(out, { recursive: true });
// The real app on a fresh SQLite file (not the test harness: that one needs vitest to run).
const dir = tempDir("cp-screenshots-");
const app = await createApp({ databasePath: join(dir.path, "app.db"), env: {}, host: "127.0.0.1", port: 0, logLevel: "silent", passwordHasher: cheapHasher });
const server = { url: await app.listen(), close: () => app.close().finally(() => dir.remove()) };
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 720, height: 820 } });
  const password = "correct horse 1";
  await registerThroughPage(page, server.url, "alice", password);
  await signInThroughPage(page, "alice", password);
  await page.waitForURL(`${server.url}/`);

  await page.goto(`${server.url}/private/change-password`);
  await page.getByRole("button", { name: "Show current password" }).waitFor();
  await page.screenshot({ path: `${out}/change-password-empty.png` });

  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel(/^New password/).fill("battery staple 2");
  await page.getByLabel("Confirm new password").fill("battery staple 2");
  await page.getByText(/^Strength:/).waitFor();
  await page.getByRole("button", { name: "Change password" }).click();
  await page.locator("#field-current_password-error").getByText("Incorrect password.").waitFor();
  await page.screenshot({ path: `${out}/change-password-error.png` });

  await page.getByLabel("Current password").fill(password);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.waitForURL(`${server.url}/login`);
  await page.getByRole("status").waitFor();
  await page.screenshot({ path: `${out}/change-password-success.png` });

  // The signed-in devices: this browser and a second one.
  const phone = await browser.newPage({ viewport: { width: 375, height: 720 }, userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1" });
  await phone.goto(`${server.url}/login`);
  await signInThroughPage(phone, "alice", "battery staple 2");
  await phone.waitForURL(`${server.url}/`);
  await signInThroughPage(page, "alice", "battery staple 2");
  await page.waitForURL(`${server.url}/`);
  await page.goto(`${server.url}/private/sessions`);
  await page.getByRole("button", { name: /^Sign out everywhere else/ }).waitFor();
  await page.screenshot({ path: `${out}/signed-in-devices.png` });
  await phone.close();

  // Forgot your password: the request, then the page the e-mailed link opens.
  await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
  await page.goto(`${server.url}/forgot-password`);
  await page.getByLabel("Username or email address").fill("alice");
  await page.screenshot({ path: `${out}/forgot-password.png` });
  await page.getByRole("button", { name: "Send reset link" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
  const bodies = app.store.driver.dialect === "sqlite" ? (app.store.driver.db.prepare("SELECT body FROM outbox ORDER BY id DESC").pluck().all() as string[]) : [];
  const link = bodies.map((body) => /https?:\/\/\S+\/reset-password\/\S+/.exec(body)?.[0]).find(Boolean);
  if (!link) throw new Error("no reset link in the outbox");
  await page.goto(new URL(new URL(link).pathname, server.url).href);
  await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
  await page.screenshot({ path: `${out}/reset-password.png` });
  console.log(`Saved 6 screenshots in ${out}/`);
} finally {
  await browser.close();
  await server.close();
}
