import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
let device: Device;
const password = "original password 1";
let username: string;
beforeAll(async () => {
  server = await startServer();
  username = uniqueName();
  device = await signUpAndIn(server.url, { username, password });
});
afterAll(() => server.close());

const megabyte = "x".repeat(1_000_000);

/** Sends a body with a raw node request, so the test sees what happens however the server ends it. */
function rawPost(path: string, body: string, headers: Record<string, string>, chunked = false) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const url = new URL(path, server.url);
    const req = httpRequest(url, { method: "POST", headers: { ...headers, ...(chunked ? {} : { "content-length": Buffer.byteLength(body) }) } });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    if (chunked) {
      for (let offset = 0; offset < body.length; offset += 65_536) req.write(body.slice(offset, offset + 65_536));
      req.end();
    } else {
      req.end(body);
    }
  });
}

describe("bodies over the cap are refused with 413 before parsing", () => {
  const cookie = () => `session=${device.cookies.get("session")}`;
  const origin = () => server.url;

  it.each([
    ["the page as JSON", "/private/change-password", "application/json", JSON.stringify({ current_password: password, new_password: megabyte, confirm_new_password: megabyte })],
    ["the page as a form", "/private/change-password", "application/x-www-form-urlencoded", `current_password=x&new_password=${megabyte}`],
    ["tRPC", "/trpc/auth.changePassword", "application/json", JSON.stringify({ currentPassword: password, newPassword: megabyte })],
    ["login", "/login", "application/x-www-form-urlencoded", `username=${username}&password=${megabyte}`],
  ])("%s with a declared length", async (_name, path, type, body) => {
    const response = await rawPost(path, body, { "content-type": type, cookie: cookie(), origin: origin() });
    expect(response.status).toBe(413);
    expect(response.text).toMatch(/too large/);
  });

  it("a chunked 1 MB body with no declared length", async () => {
    const response = await rawPost("/private/change-password", `{"new_password":"${megabyte}"}`, {
      "content-type": "application/json",
      "transfer-encoding": "chunked",
      cookie: cookie(),
      origin: origin(),
    }, true);
    expect(response.status).toBe(413);
  });

  it("the server stays responsive and the account is untouched", async () => {
    await Promise.all(
      Array.from({ length: 10 }, () => rawPost("/trpc/auth.login", megabyte, { "content-type": "application/json" })),
    );
    const page = await device.request("/private/change-password");
    expect(page.status).toBe(200);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
  });
});

describe("a password over the byte cap (but inside the body cap)", () => {
  it("is refused as too long, as a new password and as a login password", async () => {
    const long = "é".repeat(600); // 1,200 bytes: over 4 bytes × 128
    const response = await device.postJson("/private/change-password", {
      current_password: password,
      new_password: long,
      confirm_new_password: long,
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ detail: "Password must be at most 128 characters long." });
    expect((await signIn(new Device(server.url), { username, password: long })).status).toBe(401);
  });
});
