import { brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compressAnswer, minCompressedBytes } from "../../server/http/compression.js";

/** A page or JSON answer of our own, as the routes make them, before compression. */
function answer(body: string | null, init: { status?: number; type?: string; headers?: Record<string, string> } = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", init.type ?? "text/html; charset=utf-8");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  return new Response(body, { status: init.status ?? 200, headers });
}

function asking(headers: Record<string, string> = {}, method = "GET"): Request {
  return new Request("http://localhost/page", { method, headers: { "accept-encoding": "gzip, deflate, br", ...headers } });
}

const bigPage = `<!DOCTYPE html><html><body>${"<p>Change your password.</p>".repeat(200)}</body></html>`;
const bigJson = JSON.stringify({ items: Array.from({ length: 100 }, (_, index) => ({ index, name: `item ${index}` })) });

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe("compressAnswer", () => {
  it("compresses a page in br, which decodes to the page, and says so", async () => {
    const response = await compressAnswer(asking(), answer(bigPage));
    expect(response.headers.get("content-encoding")).toBe("br");
    expect(response.headers.get("vary")).toBe("Accept-Encoding, Sec-Fetch-Site");
    expect(response.headers.get("content-length")).toBeNull(); // the bridge sets it from the bytes it sends
    expect(brotliDecompressSync(await bytesOf(response)).toString()).toBe(bigPage);
  });

  it("compresses JSON in gzip for a client that takes only gzip", async () => {
    const response = await compressAnswer(asking({ "accept-encoding": "gzip" }), answer(bigJson, { type: "application/json" }));
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(await bytesOf(response)).toString()).toBe(bigJson);
  });

  it("hands answers over 16 KiB to the thread pool, with the same result", async () => {
    const huge = `<!DOCTYPE html>${Array.from({ length: 4000 }, (_, index) => `<p>${index * 7919}</p>`).join("")}`;
    expect(huge.length).toBeGreaterThan(16 * 1024);
    for (const accept of ["br", "gzip"]) {
      const response = await compressAnswer(asking({ "accept-encoding": accept }), answer(huge));
      const bytes = await bytesOf(response);
      expect((accept === "br" ? brotliDecompressSync(bytes) : gunzipSync(bytes)).toString()).toBe(huge);
    }
  });

  it("keeps the status, every Set-Cookie and the other headers", async () => {
    const original = answer(bigPage, { status: 422, headers: { "x-extra": "1" } });
    original.headers.append("set-cookie", "a=1; Path=/");
    original.headers.append("set-cookie", "b=2; Path=/");
    const response = await compressAnswer(asking(), original);
    expect(response.status).toBe(422);
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(response.headers.get("x-extra")).toBe("1");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it(`leaves answers under ${minCompressedBytes} bytes alone`, async () => {
    const small = JSON.stringify({ result: { data: { user: null } } });
    const response = await compressAnswer(asking(), answer(small, { type: "application/json" }));
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(await response.text()).toBe(small);
  });

  it("leaves other types alone (assets come precompressed; plain text refusals are short)", async () => {
    for (const type of ["text/plain; charset=utf-8", "text/javascript", "image/png", ""]) {
      const response = await compressAnswer(asking(), answer(bigPage, { type }));
      expect(response.headers.get("content-encoding"), type).toBeNull();
    }
  });

  it("never encodes twice, nor against no-transform", async () => {
    const gzipped = gzipSync(bigPage);
    const already = new Response(gzipped, { headers: { "content-type": "text/html", "content-encoding": "gzip" } });
    const response = await compressAnswer(asking(), already);
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect((await bytesOf(response)).equals(gzipped)).toBe(true);

    const untouchable = await compressAnswer(asking(), answer(bigPage, { headers: { "cache-control": "no-transform" } }));
    expect(untouchable.headers.get("content-encoding")).toBeNull();
  });

  it("never for HEAD, 204 or 304", async () => {
    expect((await compressAnswer(asking({}, "HEAD"), answer(bigPage))).headers.get("content-encoding")).toBeNull();
    for (const status of [204, 304]) {
      const response = await compressAnswer(asking(), answer(null, { status }));
      expect(response.status).toBe(status);
      expect(response.headers.get("content-encoding")).toBeNull();
    }
  });

  it("passes the answer on unread to a client that asks for nothing, or for nothing we make", async () => {
    for (const headers of [{ "accept-encoding": "" }, { "accept-encoding": "identity" }, { "accept-encoding": "zstd" }]) {
      const original = answer(bigPage);
      const response = await compressAnswer(asking(headers), original);
      expect(response).toBe(original);
      expect(response.headers.get("content-encoding")).toBeNull();
      expect(response.headers.get("vary")).toBe("Accept-Encoding, Sec-Fetch-Site");
      expect(await response.text()).toBe(bigPage);
    }
  });

  describe("BREACH: a request with cookies", () => {
    it.each([
      ["same-origin", "br"],
      ["none", "br"],
      ["same-site", null],
      ["cross-site", null],
      [undefined, null],
    ])("and Sec-Fetch-Site %s gets %s", async (site, expected) => {
      const headers: Record<string, string> = { cookie: "session=abc" };
      if (site) headers["sec-fetch-site"] = site;
      const response = await compressAnswer(asking(headers), answer(bigPage));
      expect(response.headers.get("content-encoding")).toBe(expected);
      expect(response.headers.get("vary")).toBe("Accept-Encoding, Sec-Fetch-Site");
    });

    it("without cookies there is nothing of the victim's to read: compressed from anywhere", async () => {
      const response = await compressAnswer(asking({ "sec-fetch-site": "cross-site" }), answer(bigPage));
      expect(response.headers.get("content-encoding")).toBe("br");
    });
  });
});
