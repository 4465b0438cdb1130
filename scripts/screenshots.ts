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
  console.log(`Saved 3 screenshots in ${out}/`);
} finally {
  await browser.close();
  await server.close();
}
