import { request as httpRequest } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { collect, connectTo } from "../helpers/raw-socket.js";
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

/**
 * Uploads `size` bytes as a client that is not listening while it sends: it writes the whole body
 * (at the pace the server reads it), whatever the server answers meanwhile, and only then closes
 * its side. Declared with Content-Length, or chunked.
 */
async function uploadWhole(socket: Socket, path: string, size: number, chunked: boolean): Promise<void> {
  const host = new URL(server.url).host;
  const length = chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${size}`;
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n${length}\r\n\r\n`);
  const piece = Buffer.alloc(65_536, "x");
  for (let sent = 0; sent < size && !socket.destroyed; sent += piece.length) {
    const part = piece.subarray(0, Math.min(piece.length, size - sent));
    const framed = chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]) : part;
    if (!socket.write(framed)) await drainedOrClosed(socket);
    // A piece per turn of the event loop, as a network would deliver it: the server gets to
    // answer while the upload is still going on.
    await new Promise((done) => setImmediate(done));
  }
  if (socket.destroyed) return;
  if (chunked) socket.write("0\r\n\r\n");
  socket.end();
}

/** Resolves when the socket can take more, or is gone (its error is for `collect` to report). */
function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}

describe("413 under load", () => {
  it("20 clients each still uploading 1 MB all read the 413, and none is reset", async () => {
    const paths = ["/trpc/auth.login", "/login", "/private/change-password", "/register"];
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        // Half-open allowed: the client goes on sending after the server has answered and closed its side.
        const socket = connectTo(server.url, { allowHalfOpen: true });
        const reply = collect(socket, 120_000);
        await uploadWhole(socket, paths[index % paths.length]!, 1_000_000, index % 2 === 0);
        const { status, error, closed } = await reply;
        return { status, error, closed };
      }),
    );
    expect(results).toEqual(Array.from({ length: 20 }, () => ({ status: 413, error: null, closed: true })));
    expect((await device.request("/private/change-password")).status).toBe(200);
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
