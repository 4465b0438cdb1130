import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { rawRequest } from "../helpers/raw-http.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * One origin policy for every door: ours. Remix's own check (Origin against X-Forwarded-Host or
 * Host) must never disagree with it, so no combination of Host, X-Forwarded-Host, Origin and
 * PUBLIC_ORIGIN gives a 500, and a same-origin form post behind a Host-rewriting proxy works.
 */

const publicOrigin = "http://app.example:8080";
let direct: TestServer;
let proxied: TestServer;
beforeAll(async () => {
  direct = await startServer({ rateLimitIpAttempts: 100_000 });
  proxied = await startServer({ publicOrigin, trustProxy: true, rateLimitIpAttempts: 100_000 });
});
afterAll(async () => {
  await direct.close();
  await proxied.close();
});

const password = "original password 1";

/** Registers over tRPC: a program, not a browser, so no Origin is needed whatever PUBLIC_ORIGIN says. */
async function register(server: TestServer, username: string) {
  await createClient({ url: `${server.url}/trpc` }).auth.register.mutate({ username, email: `${username}@example.com`, password });
}

describe("headers a proxy or a client may send, on a no-JavaScript form post", () => {
  const hosts = (server: TestServer) => [new URL(server.url).host, "backend", "app.example:8080", "evil.example"];
  const forwardedHosts = [undefined, "app.example:8080", "evil.example", "two.example, three.example", "bad host!!"];
  const origins = (server: TestServer) => [undefined, server.url, publicOrigin, "http://evil.example", "null", "http://[", "%%%"];

  it.each([
    ["without PUBLIC_ORIGIN", () => direct],
    ["with PUBLIC_ORIGIN and TRUST_PROXY", () => proxied],
  ])("%s: never a 500, whatever the combination", async (_name, server) => {
    const username = uniqueName("origin");
    await register(server(), username);
    const statuses = new Map<number, number>();
    for (const host of hosts(server())) {
      for (const forwarded of forwardedHosts) {
        for (const origin of origins(server())) {
          const headers: Record<string, string> = { host, "content-type": "application/x-www-form-urlencoded" };
          if (forwarded !== undefined) headers["x-forwarded-host"] = forwarded;
          if (origin !== undefined) headers.origin = origin;
          const response = await rawRequest(server().url, {
            method: "POST",
            path: "/login",
            headers,
            body: new URLSearchParams({ username, password: "wrong password 1" }).toString(),
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, `Host ${host}, X-Forwarded-Host ${forwarded}, Origin ${origin}`).toBeLessThan(500);
        }
      }
    }
    // Some were refused as cross-site, some reached the form (401: wrong password).
    expect(statuses.get(403)).toBeGreaterThan(0);
    expect(statuses.get(401)).toBeGreaterThan(0);
  });

  it("behind a proxy that rewrites Host, a same-origin form post with PUBLIC_ORIGIN set goes through", async () => {
    const username = uniqueName("proxy");
    await register(proxied, username);
    const response = await rawRequest(proxied.url, {
      method: "POST",
      path: "/login",
      headers: {
        host: "backend",
        "x-forwarded-host": "app.example:8080",
        origin: publicOrigin,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ username, password }).toString(),
    });
    expect(response.status).toBe(303);
    expect(String(response.headers["set-cookie"])).toMatch(/^session=/);
  });
});

describe("method rules on every spelling of the page's path", () => {
  it.each(["/PRIVATE/CHANGE-PASSWORD", "/private/change%2Dpassword", "/Private/Change-Password/", "/private/change-password//"])(
    "PUT %s: 405, and the password is unchanged",
    async (path) => {
      const username = uniqueName("paths");
      const device = await signUpAndIn(direct.url, { username, password });
      const csrf = await device.formToken("/private/change-password");
      const response = await device.request(path, {
        method: "PUT",
        body: new URLSearchParams({ csrf, current_password: password, new_password: "a brand new password", confirm_new_password: "a brand new password" }),
      });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, POST");
      expect((await signIn(new Device(direct.url), { username, password })).status).toBe(303);
    },
  );
});

describe("a bearer-authenticated post to a page", () => {
  it.each(["http://evil.example", "null", "http://[", "%%%"])("with Origin %j: never a 500", async (origin) => {
    const username = uniqueName("bearer");
    await register(direct, username);
    const { token } = await createClient({ url: `${direct.url}/trpc` }).auth.login.mutate({ username, password });
    const response = await rawRequest(direct.url, {
      method: "POST",
      path: "/logout",
      headers: { host: new URL(direct.url).host, origin, authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(response.status).toBeLessThan(500);
  });
});
