import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";

/**
 * axe on the page as it stands. axe runs inside the page, which a page with JavaScript disabled
 * cannot do: for those, the page's exact HTML (as the server rendered it for the state reached) is
 * served again, scripts removed, in a context where axe can run: what a person without
 * JavaScript gets, analysed.
 */
export async function expectNoAxeViolations(
  browser: Browser,
  page: Page,
  options: { javaScriptEnabled?: boolean; colorScheme?: "dark" | "light"; viewport?: { width: number; height: number } } = {},
): Promise<void> {
  if (options.javaScriptEnabled === false) {
    const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "");
    const context = await browser.newContext({ colorScheme: options.colorScheme ?? "light", viewport: options.viewport ?? page.viewportSize() ?? undefined });
    const copy = await context.newPage();
    await copy.route(page.url(), (route) => route.fulfill({ contentType: "text/html", body: html }));
    await copy.goto(page.url());
    try {
      await expectNoAxeViolations(browser, copy);
    } finally {
      await context.close();
    }
    return;
  }
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`)).toEqual([]);
}
