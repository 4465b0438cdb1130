import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { Device, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * `auth.login` hands the session token to programs in its answer, but to a browser only as the
 * HttpOnly cookie: a token in a JSON body would be readable by page scripts after all.
 */

const password = "original password 1";
let server: TestServer;
let username: string;
beforeAll(async () => {
  server = await startServer();
  username = uniqueName();
  await signUpAndIn(server.url, { username, password });
});
afterAll(() => server.close());

async function login(headers: Record<string, string>) {
  const response = await fetch(`${server.url}/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { result: { data: { user: { username: string }; token?: string | null } } };
  const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith("session="));
  return { status: response.status, data: body.result.data, session };
}

describe("auth.login", () => {
  it.each([
    ["Origin", () => ({ origin: server.url })],
    ["Sec-Fetch-Site", () => ({ "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty" })],
  ])("answers a browser (%s) with the cookie and no token", async (_name, browserHeaders) => {
    const { status, data, session } = await login(browserHeaders());
    expect(status).toBe(200);
    expect(data.user.username).toBe(username);
    expect(data.token ?? null).toBeNull();
    expect(session).toMatch(/^session=[A-Za-z0-9_-]{43};.*HttpOnly/i);
  });

  it("answers a program (no Origin, no Fetch Metadata) with the token, the same as its cookie", async () => {
    const { status, data, session } = await login({});
    expect(status).toBe(200);
    expect(data.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toContain(`session=${data.token};`);
  });

  it("answers the typed client from Node with a token that works as a bearer credential", async () => {
    const { token } = await createClient({ url: `${server.url}/trpc` }).auth.login.mutate({ username, password });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await createClient({ url: `${server.url}/trpc`, token }).auth.me.query()).toMatchObject({ user: { username } });
  });

  it("sends no token into the page a browser signs in from", async () => {
    const device = new Device(server.url);
    const response = await device.postForm("/login", { username, password });
    expect(response.status).toBe(303);
    const token = device.cookies.get("session")!;
    expect(token).toBeTruthy();
    expect(await response.text()).not.toContain(token);
  });
});
