import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "../helpers/raw-http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/** The load balancer's two probes: /healthz (the process is up) and /readyz (send traffic here). */

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("GET /healthz and /readyz", () => {
  it.each([
    ["/healthz", "ok"],
    ["/readyz", "ready"],
  ])("%s answers 200 %j as plain text that nothing may store", async (path, text) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(text);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it.each(["/healthz", "/readyz"])("%s answers HEAD with the status and no body", async (path) => {
    const response = await rawRequest(server.url, { method: "HEAD", path, headers: { host: new URL(server.url).host } });
    expect(response.status).toBe(200);
    expect(response.body).toBe("");
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  it.each(["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])("%s to either probe gets 405 with Allow: GET, HEAD", async (method) => {
    for (const path of ["/healthz", "/readyz"]) {
      const response = await fetch(`${server.url}${path}`, { method, body: method === "POST" || method === "PUT" ? "x" : undefined });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("a query string changes nothing", async () => {
    expect(await (await fetch(`${server.url}/readyz?verbose=1`)).text()).toBe("ready");
  });
});

describe("the probes never look at who is asking", () => {
  // Shaped like real tokens (43 base64url characters), so anything that authenticates must look them up.
  const unknownToken = "A".repeat(43);
  const credentials = {
    cookie: `session=${unknownToken}; device=garbage.garbage`,
    authorization: `Bearer ${unknownToken}`,
    origin: "https://evil.example",
  };

  it("the same credentials on a page are looked up, and the unknown session cookie is cleared", async () => {
    const response = await fetch(`${server.url}/login`, { headers: { cookie: credentials.cookie } });
    expect(response.headers.getSetCookie().join()).toMatch(/^session=;/);
  });

  it("garbage credentials get the same answer, and no cookie is set or cleared", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const response = await fetch(`${server.url}${path}`, { headers: credentials });
      expect(response.status).toBe(200);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it("they answer with the session table gone, where any request that looks up a session fails", async () => {
    const broken = await startServer();
    try {
      await sqlOf(broken.app.store).run("ALTER TABLE session RENAME TO session_moved");
      // A page with the same cookie needs the session lookup, and cannot have it.
      expect((await fetch(`${broken.url}/login`, { headers: credentials })).status).toBe(500);
      for (const [path, text] of [["/healthz", "ok"], ["/readyz", "ready"]] as const) {
        const response = await fetch(`${broken.url}${path}`, { headers: credentials });
        expect(response.status).toBe(200);
        expect(await response.text()).toBe(text);
      }
    } finally {
      await broken.close();
    }
  });
});

describe("readiness", () => {
  it("is 503 with a reason and Retry-After while a migration this code ships is not recorded, liveness stays 200", async () => {
    const target = await startServer();
    try {
      // As an operator (or a restored backup) would change it.
      const sql = sqlOf(target.app.store);
      const last = (await sql.get<{ version: number; name: string; applied_at: number }>(
        "SELECT version, name, applied_at FROM schema_migration ORDER BY version DESC LIMIT 1",
      ))!;
      await sql.run("DELETE FROM schema_migration WHERE version = ?", last.version);
      const response = await fetch(`${target.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.text()).toBe("not ready: database migrations pending");
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect((await fetch(`${target.url}/healthz`)).status).toBe(200);

      await sql.run("INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)", last.version, last.name, last.applied_at);
      expect((await fetch(`${target.url}/readyz`)).status).toBe(200);
    } finally {
      await target.close();
    }
  });

  it("is 503 when the database cannot be read, liveness stays 200", async () => {
    const target = await startServer();
    try {
      await target.app.store.close();
      const response = await fetch(`${target.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.text()).toBe("not ready: database unavailable");
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await fetch(`${target.url}/healthz`)).status).toBe(200);
    } finally {
      await target.close();
    }
  });
});
