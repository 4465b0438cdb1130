import { readFileSync } from "node:fs";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { wireRequest, type WireResponse } from "../helpers/raw-http.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * What a browser receives: assets in br or gzip as it asks, pages compressed, the bytes on the wire
 * counted as they come (node:http, which never decodes), and every encoded body decoded back.
 */

const pagePath = "/private/change-password";
/** What Chromium and Firefox send. */
const browserAccepts = "gzip, deflate, br";

let server: TestServer;
let device: Device;
let assets: string[];
beforeAll(async () => {
  server = await startServer();
  device = await signUpAndIn(server.url, { username: uniqueName(), password: "original password 1" });
  assets = assetsOf((await get(pagePath, { "accept-encoding": "identity", ...signedIn() })).body.toString("utf8"));
});
afterAll(() => server.close());

/** The session cookie, and what a browser adds when the person follows a link on this site. */
function signedIn(): Record<string, string> {
  return { cookie: [...device.cookies].map(([name, value]) => `${name}=${value}`).join("; "), "sec-fetch-site": "same-origin" };
}

async function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<WireResponse> {
  const response = await wireRequest(server.url, path, { method, headers });
  // Every answer: the length it announces is the length it sends.
  if (method === "GET") expect(Number(response.headers["content-length"]), path).toBe(response.body.byteLength);
  return response;
}

/** The scripts and stylesheets a page makes the browser load (as bench/run.ts reads them). */
function assetsOf(html: string): string[] {
  const linked = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(\/build\/[^"]+)"/g)].map((match) => match[1]!);
  const imported = [...html.matchAll(/\bfrom "(\/build\/[^"]+)"/g)].map((match) => match[1]!);
  return [...new Set([...linked, ...imported])];
}

function decoded(response: WireResponse): Buffer {
  const encoding = response.headers["content-encoding"];
  if (encoding === "br") return brotliDecompressSync(response.body);
  if (encoding === "gzip") return gunzipSync(response.body);
  expect(encoding).toBeUndefined();
  return response.body;
}

function varyOf(response: WireResponse): string[] {
  return String(response.headers.vary ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase());
}

describe("the change-password page's assets", () => {
  it("are the 11 scripts and stylesheet of the page", () => {
    expect(assets.filter((asset) => asset.endsWith(".js")).length).toBeGreaterThanOrEqual(10);
    expect(assets.filter((asset) => asset.endsWith(".css"))).toHaveLength(1);
  });

  it.each([
    ["br", "br"],
    ["gzip", "gzip"],
    ["identity", undefined],
    ["", undefined],
  ])("asked for %j, each decodes to the file on disk, with Vary and immutable caching", async (accept, expected) => {
    let encoded = 0;
    for (const asset of assets) {
      const response = await get(asset, accept ? { "accept-encoding": accept } : {});
      expect(response.status, asset).toBe(200);
      expect(decoded(response).equals(readFileSync(`public${asset}`)), asset).toBe(true);
      expect(varyOf(response), asset).toContain("accept-encoding");
      expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      const encoding = response.headers["content-encoding"];
      // A file too small to gain from compression (a 29-byte chunk) is sent as it is.
      expect([expected, undefined]).toContain(encoding);
      if (encoding) {
        encoded++;
        expect(response.body.byteLength).toBeLessThan(readFileSync(`public${asset}`).byteLength);
      }
    }
    if (expected) expect(encoded).toBeGreaterThanOrEqual(assets.length - 3);
  });

  const largest = () => assets.reduce((a, b) => (readFileSync(`public${a}`).byteLength >= readFileSync(`public${b}`).byteLength ? a : b));

  it.each([
    ["gzip;q=1, br;q=0", "gzip"],
    ["br;q=0.5, gzip;q=0.8", "gzip"],
    ["gzip;q=0.8, br;q=0.8", "br"],
    ["deflate, gzip, br", "br"],
    ["GZIP", "gzip"],
    ["x-gzip", "gzip"],
    ["*", "br"],
    ["*;q=0, gzip", "gzip"],
    ["identity;q=0, gzip;q=0.1", "gzip"],
    ["identity, gzip;q=0.5", undefined],
    ["compress, zstd, deflate", undefined],
    ["br;q=0, gzip;q=0", undefined],
    ["gzip;q=2, br;q=abc", undefined],
  ])("Accept-Encoding %j gets %s", async (accept, expected) => {
    const response = await get(largest(), { "accept-encoding": accept });
    expect(response.headers["content-encoding"]).toBe(expected);
    expect(varyOf(response)).toContain("accept-encoding");
    expect(decoded(response).equals(readFileSync(`public${largest()}`))).toBe(true);
  });

  it("HEAD announces what GET sends, without a body", async () => {
    const asset = largest();
    for (const accept of ["br", "gzip", "identity"]) {
      const got = await get(asset, { "accept-encoding": accept });
      const head = await get(asset, { "accept-encoding": accept }, "HEAD");
      expect(head.status).toBe(200);
      expect(head.body.byteLength).toBe(0);
      for (const name of ["content-length", "content-encoding", "content-type", "vary", "cache-control"]) {
        expect(head.headers[name], `${accept} ${name}`).toEqual(got.headers[name]);
      }
    }
  });

  it("a precompressed copy is not an asset of its own", async () => {
    expect((await get(`${largest()}.br`)).status).toBe(404);
    expect((await get(`${largest()}.gz`)).status).toBe(404);
  });
});

describe("pages and JSON answers", () => {
  it.each(["br", "gzip"])("the change-password page in %s decodes to the page, with Vary", async (encoding) => {
    const response = await get(pagePath, { "accept-encoding": encoding, ...signedIn() });
    expect(response.status).toBe(200);
    expect(response.headers["content-encoding"]).toBe(encoding);
    expect(varyOf(response)).toContain("accept-encoding");
    const html = decoded(response).toString("utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain("</html>");
    expect(html).toContain('name="current_password"');
    expect(response.body.byteLength).toBeLessThan(html.length / 2);
  });

  it("a signed-out page (no cookie to abuse) is compressed whoever sent the visitor", async () => {
    const response = await get("/login", { "accept-encoding": browserAccepts, "sec-fetch-site": "cross-site" });
    expect(response.headers["content-encoding"]).toBe("br");
    expect(decoded(response).toString("utf8")).toContain("<h1>Sign in</h1>");
  });

  // BREACH (docs/decisions/003-compression.md): a page carrying the form token, with the query
  // string reflected in its form's action, is compressed only for requests another site cannot make.
  it.each([
    ["a cross-site navigation", { "sec-fetch-site": "cross-site" }],
    ["a navigation from a sibling site", { "sec-fetch-site": "same-site" }],
    ["a request without fetch metadata", { "sec-fetch-site": "" }],
  ])("a signed-in page is sent uncompressed to %s, still with Vary", async (_name, over) => {
    const headers = { "accept-encoding": browserAccepts, ...signedIn(), ...over };
    if (!headers["sec-fetch-site"]) delete (headers as Record<string, string>)["sec-fetch-site"];
    const response = await get(`${pagePath}?csrf=guess`, headers);
    expect(response.status).toBe(200);
    expect(response.headers["content-encoding"]).toBeUndefined();
    expect(varyOf(response)).toContain("accept-encoding");
    expect(response.body.toString("utf8")).toContain('name="csrf"');
  });

  it("the same page typed into the address bar (Sec-Fetch-Site: none) is compressed", async () => {
    const response = await get(pagePath, { "accept-encoding": browserAccepts, ...signedIn(), "sec-fetch-site": "none" });
    expect(response.headers["content-encoding"]).toBe("br");
  });

  it("a page for a client that asks for no encoding is sent as it is", async () => {
    for (const accept of [undefined, "identity", "compress"]) {
      const response = await get(pagePath, { ...(accept ? { "accept-encoding": accept } : {}), ...signedIn() });
      expect(response.headers["content-encoding"]).toBeUndefined();
      expect(response.body.toString("utf8")).toContain('name="current_password"');
    }
  });

  it("a small JSON answer is not compressed", async () => {
    const response = await get("/trpc/auth.me", { "accept-encoding": browserAccepts, ...signedIn() });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(response.body.byteLength).toBeLessThan(1024);
    expect(response.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(response.body.toString("utf8"))).toHaveProperty("result");
  });

  it("HEAD of a page sends no body and no Content-Encoding", async () => {
    const response = await get("/login", { "accept-encoding": browserAccepts }, "HEAD");
    expect(response.status).toBe(200);
    expect(response.body.byteLength).toBe(0);
    expect(response.headers["content-encoding"]).toBeUndefined();
  });

  it("a redirect is not compressed", async () => {
    const response = await get(pagePath, { "accept-encoding": browserAccepts });
    expect(response.status).toBe(302);
    expect(response.headers["content-encoding"]).toBeUndefined();
  });
});

describe("what a browser downloads for the change-password page with JavaScript on", () => {
  /** Every byte over the wire (status lines, headers, bodies) for the page and what it loads. */
  async function pageWeight(accept: string | undefined) {
    const headers = (extra: Record<string, string>) => ({ ...(accept ? { "accept-encoding": accept } : {}), ...extra });
    const page = await get(pagePath, headers(signedIn()));
    let total = page.wireBytes;
    for (const asset of assetsOf(decoded(page).toString("utf8"))) {
      total += (await get(asset, headers({ "sec-fetch-site": "same-origin" }))).wireBytes;
    }
    return { total, html: page.wireBytes };
  }

  it("is at most 100 KB as Chromium asks for it (gzip, deflate, br)", async () => {
    const weights = {
      [browserAccepts]: await pageWeight(browserAccepts),
      gzip: await pageWeight("gzip"),
      identity: await pageWeight(undefined),
    };
    for (const [accept, weight] of Object.entries(weights)) {
      console.log(`page weight (${accept}): ${weight.total} B over the wire, HTML ${weight.html} B`);
    }
    expect(weights[browserAccepts]!.total).toBeLessThanOrEqual(100_000);
    expect(weights.gzip!.total).toBeLessThan(weights.identity!.total / 2);
  });
});
