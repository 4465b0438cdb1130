import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { launchChromium } from "../helpers/chromium.js";
import { uniqueName } from "../helpers/doors.js";
import { signInThroughPage } from "../helpers/page-forms.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * React Router 6 (inside Remix 2) resolves dot segments in a redirect and then treats `/\host` as a
 * path, which the browser reads as `//host` (GHSA-wrjc-x8rr-h8h6, fixed only in React Router 7.18):
 * `redirectTo=/./\evil.example` once sent a signed-in person to another site. safeRedirect now
 * resolves the target itself and refuses backslashes, so the router never sees such a path.
 */

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

describe("a crafted redirectTo on the sign-in page", () => {
  it.each(["/./%5Cevil.example", "/../%5Cevil.example", "/x/..%2F%5Cevil.example", "/.//evil.example"])(
    "redirectTo=%s keeps a person on this site, with JavaScript on and off",
    async (redirectTo) => {
      for (const javaScriptEnabled of [true, false]) {
        const username = uniqueName("redirect");
        await createClient({ url: `${server.url}/trpc` }).auth.register.mutate({ username, email: `${username}@example.com`, password });
        const context = await browser.newContext({ javaScriptEnabled });
        const page = await context.newPage();
        const offSite: string[] = [];
        // Nothing leaves the machine: a request to another host is recorded and answered here.
        await page.route((url) => url.origin !== server.url, async (route) => {
          offSite.push(route.request().url());
          await route.fulfill({ status: 200, body: "off site" });
        });
        await page.goto(`${server.url}/login?redirectTo=${redirectTo}`);
        await signInThroughPage(page, username, password);
        await page.waitForLoadState("networkidle");
        expect(offSite, `JavaScript ${javaScriptEnabled ? "on" : "off"}`).toEqual([]);
        expect(new URL(page.url()).origin).toBe(server.url);
        await context.close();
      }
    },
  );
});
