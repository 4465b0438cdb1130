import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
let device: Device;
beforeAll(async () => {
  server = await startServer();
  device = await signUpAndIn(server.url, { username: uniqueName(), password: "original password 1" });
});
afterAll(() => server.close());

function expectCommonHeaders(response: Response) {
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("same-origin");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
}

describe.each(["/", "/register", "/login", "/logout", "/private/change-password", "/nowhere"])("the page %s", (path) => {
  it("has an enforced CSP with a fresh nonce on every inline script and style, and no-store", async () => {
    const response = await device.request(path);
    expectCommonHeaders(response);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy-report-only")).toBeNull();
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9+/=]{20,}$/);

    const html = await response.text();
    const inlineTags = [...html.matchAll(/<(script|style)(\s[^>]*)?>/g)].filter(([tag]) => !/\ssrc=/.test(tag));
    expect(inlineTags.length).toBeGreaterThan(0);
    for (const [tag] of inlineTags) expect(tag).toContain(`nonce="${nonce}"`);

    const again = (await device.request(path)).headers.get("content-security-policy");
    expect(again).not.toBe(csp);
  });
});

describe("auth responses", () => {
  it("tRPC answers carry no-store and the common headers", async () => {
    const response = await device.request("/trpc/auth.me");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expectCommonHeaders(response);
  });

  it("the JSON door, redirects and refusals too", async () => {
    const responses = [
      await device.postJson("/private/change-password", { current_password: "x" }),
      await new Device(server.url).request("/private/change-password"),
      await device.postForm("/private/change-password", {}, { origin: "http://evil.example" }),
      await fetch(new URL("/private/change-password", server.url), { method: "PUT" }),
    ];
    for (const response of responses) {
      expect(response.headers.get("cache-control")).toBe("no-store");
      expectCommonHeaders(response);
    }
  });

  it("static assets are cacheable but still nosniff", async () => {
    const html = await (await device.request("/")).text();
    const asset = /href="(\/build\/[^"]+\.css)"/.exec(html)?.[1];
    const response = await fetch(new URL(asset!, server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("immutable");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
