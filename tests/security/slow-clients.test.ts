import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, connectTo, socketRequest } from "../helpers/raw-socket.js";
import { capturedLogger } from "../helpers/logs.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * Slow clients (Slowloris) must not hold the server's connections: a request that takes too long
 * to arrive gets 408 and its connection is closed, and connections over the cap are refused.
 *
 * The timeouts are configured short (1-2 s) so that they fire during the test; the test waits up
 * to 15 s for them, so a busy machine only makes it slower, never wrong.
 */

const generous = 15_000;

/** Writes one byte of `text` at a time, every 250 ms, until the connection closes. */
function dribble(socket: Socket, text: string): void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable || index >= text.length) return clearInterval(timer);
    socket.write(text[index++]!);
  }, 250);
  socket.once("close", () => clearInterval(timer));
}

describe("a client that sends its request too slowly", () => {
  const logs = capturedLogger();
  let server: TestServer;
  let host: string;
  beforeAll(async () => {
    server = await startServer({ requestTimeoutSeconds: 2, headersTimeoutSeconds: 1, logger: logs.logger });
    host = new URL(server.url).host;
  });
  afterAll(() => server.close());

  it("gets 408 when its body stops coming, and the connection is closed", async () => {
    const socket = connectTo(server.url);
    const reply = collect(socket, generous);
    socket.write(
      `POST /login HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=`,
    );
    const { status, closed } = await reply;
    expect(status).toBe(408);
    expect(closed).toBe(true);
  });

  it("gets 408 when its body trickles in a byte at a time (never idle, never done)", async () => {
    const socket = connectTo(server.url);
    const reply = collect(socket, generous);
    socket.write(`POST /trpc/auth.login HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
    dribble(socket, "x".repeat(1000));
    const { status, closed } = await reply;
    expect(status).toBe(408);
    expect(closed).toBe(true);
  });

  it("gets 408 when its headers trickle in", async () => {
    const socket = connectTo(server.url);
    const reply = collect(socket, generous);
    socket.write("GET / HTTP/1.1\r\n");
    dribble(socket, `Host: ${host}\r\nX-Slow: ${"a".repeat(200)}\r\n\r\n`);
    const { status, closed } = await reply;
    expect(status).toBe(408);
    expect(closed).toBe(true);
  });

  it("is not an unexpected error: nothing is logged as one, and the server answers others", async () => {
    expect(logs.entries().filter((entry) => entry.level === 50)).toEqual([]);
    const reply = await socketRequest(server.url, `GET /login HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(reply.status).toBe(200);
  });
});

describe("the connection cap", () => {
  const cap = 3;
  let server: TestServer;
  beforeAll(async () => {
    // Timeouts far beyond the test's length, so only the cap closes anything here.
    server = await startServer({ maxConnections: cap, headersTimeoutSeconds: 120, requestTimeoutSeconds: 120 });
  });
  afterAll(() => server.close());

  function openConnections(): Promise<number> {
    return new Promise((resolve, reject) =>
      server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
  }

  async function waitForConnections(count: number): Promise<void> {
    const deadline = Date.now() + generous;
    while ((await openConnections()) !== count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} open connections, have ${await openConnections()}`);
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  it(`refuses connection ${cap + 1} while ${cap} are open, serves those ${cap}, and recovers once they close`, async () => {
    const held = Array.from({ length: cap }, () => connectTo(server.url));
    const heldReplies = held.map((socket) => collect(socket, 60_000));
    await waitForConnections(cap);

    // One more is closed at once, without a byte of answer.
    const extra = connectTo(server.url);
    const extraReply = collect(extra, generous);
    const refused = await extraReply;
    expect(refused.closed).toBe(true);
    expect(refused.text).toBe("");

    // The first ones are still open and served.
    const host = new URL(server.url).host;
    held[0]!.write(`GET /login HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect((await heldReplies[0]!).status).toBe(200);

    for (const socket of held) socket.destroy();
    await Promise.all(heldReplies);
    await waitForConnections(0);
    const response = await fetch(new URL("/login", server.url));
    expect(response.status).toBe(200);
  });
});
