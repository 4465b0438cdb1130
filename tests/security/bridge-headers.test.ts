import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { createNodeListener, type Handler, type UnsafeHeader } from "../../server/http/node-bridge.js";
import { signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { headerValues, socketRequest } from "../helpers/raw-socket.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * Headers never turn an answer into a 500: neither those a client sends (an impossible Host, an
 * X-Forwarded-Host, a Host rewritten by a proxy) nor those our own code would send that Node
 * refuses (the bridge's last line of defence).
 */

describe("the bridge's last line of defence for response headers", () => {
  let server: Server | undefined;
  const reported: UnsafeHeader[] = [];
  const errors: unknown[] = [];
  afterEach(async () => {
    await new Promise((done) => server?.close(done));
    reported.length = 0;
    errors.length = 0;
  });

  /** The bridge alone, on a loopback port, in front of a handler that answers `response`. */
  async function bridgeAnswering(response: () => Response): Promise<string> {
    const handle: Handler = async () => response();
    server = createServer(
      createNodeListener(handle, {
        maxBodyBytes: 8192,
        trustProxy: false,
        onError: (error) => errors.push(error),
        onUnsafeHeader: (header) => reported.push(header),
      }),
    );
    await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function get(url: string) {
    return socketRequest(url, `GET / HTTP/1.1\r\nHost: ${new URL(url).host}\r\nConnection: close\r\n\r\n`);
  }

  it("drops a header value Node refuses (a control character) instead of answering 500, and reports it", async () => {
    const url = await bridgeAnswering(() => new Response("fine", { headers: { "x-note": "a\u0001b", "x-other": "kept" } }));
    const reply = await get(url);
    expect(reply.status).toBe(200);
    expect(reply.text.endsWith("fine")).toBe(true);
    expect(headerValues(reply, "x-note")).toEqual([]);
    expect(headerValues(reply, "x-other")).toEqual(["kept"]);
    expect(reported).toEqual([{ name: "x-note", action: "dropped" }]);
    expect(errors).toEqual([]);
  });

  it("percent-encodes a Location with raw non-ASCII or control characters", async () => {
    const url = await bridgeAnswering(() => new Response(null, { status: 303, headers: { location: "/é/\u007f x?q=ü" } }));
    const reply = await get(url);
    expect(reply.status).toBe(303);
    expect(headerValues(reply, "location")).toEqual(["/%C3%A9/%7F%20x?q=%C3%BC"]);
    expect(reported).toEqual([{ name: "location", action: "percent-encoded" }]);
  });

  it("drops only the cookie Node refuses, and keeps the others", async () => {
    const url = await bridgeAnswering(() => {
      const headers = new Headers();
      headers.append("set-cookie", "good=1; Path=/");
      headers.append("set-cookie", "bad=\u0002; Path=/");
      return new Response("ok", { headers });
    });
    const reply = await get(url);
    expect(reply.status).toBe(200);
    expect(headerValues(reply, "set-cookie")).toEqual(["good=1; Path=/"]);
    expect(reported).toEqual([{ name: "set-cookie", action: "dropped" }]);
  });
});

describe("request headers a client or a proxy may send", () => {
  let app: TestServer;
  let behindProxy: TestServer;
  const account = { username: uniqueName("hosts"), password: "the hosts password 1" };
  beforeAll(async () => {
    app = await startServer();
    // Behind a proxy that keeps the public name in PUBLIC_ORIGIN and sends its own Host.
    behindProxy = await startServer({ publicOrigin: "https://app.example" });
    await signUpAndIn(app.url, account);
    // A program (no Origin, no cookie) may register without coming from the public origin.
    await createClient({ url: `${behindProxy.url}/trpc` }).auth.register.mutate({ ...account, email: `${account.username}@example.com` });
  });
  afterAll(async () => {
    await app.close();
    await behindProxy.close();
  });

  function loginRequest(target: TestServer, headers: string): string {
    const body = new URLSearchParams({ ...account, redirectTo: "/private/change-password" }).toString();
    return (
      `POST /login HTTP/1.1\r\n${headers}Content-Type: application/x-www-form-urlencoded\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`
    );
  }

  it("a Host with an impossible port gets 400", async () => {
    for (const path of ["/", "/trpc/auth.me", "/private/change-password"]) {
      const reply = await socketRequest(app.url, `GET ${path} HTTP/1.1\r\nHost: localhost:99999\r\nConnection: close\r\n\r\n`);
      expect(reply.status).toBe(400);
    }
  });

  it("an X-Forwarded-Host that differs from Origin is ignored, not a 500", async () => {
    const host = new URL(app.url).host;
    const reply = await socketRequest(app.url, loginRequest(app, `Host: ${host}\r\nOrigin: ${app.url}\r\nX-Forwarded-Host: evil.example\r\n`));
    expect(reply.status).toBe(303);
    expect(headerValues(reply, "location")).toEqual(["/private/change-password"]);
  });

  it("with PUBLIC_ORIGIN, a form POST through a proxy that sends its own Host is answered, not a 500", async () => {
    const host = new URL(behindProxy.url).host;
    const reply = await socketRequest(behindProxy.url, loginRequest(behindProxy, `Host: ${host}\r\nOrigin: https://app.example\r\n`));
    expect(reply.status).toBe(303);
    expect(headerValues(reply, "location")).toEqual(["/private/change-password"]);
  });
});
