import { connect } from "node:net";
import { collect, connectTo, type SocketReply } from "./raw-socket.js";

/**
 * Requests that are provably inside the server, for shutdown tests that must not guess at timing.
 * A request sent with `Expect: 100-continue` gets "100 Continue" once Node has parsed its headers
 * and handed it to the app; the app then waits for the body, which the test sends when it likes.
 * Until then the request is in flight, and its connection busy (not idle), for as long as the test
 * wants.
 */

export type HeldRequest = {
  /** Sends more bytes on the connection: the body, and anything to follow it. */
  send(bytes: string): void;
  /** Resolves once the bytes received so far match `pattern` (bounded by the reply's deadline). */
  received(pattern: RegExp): Promise<void>;
  /** Everything the server sent, once it has closed the connection (or the deadline passed). */
  reply: Promise<SocketReply>;
};

export type HeldRequestHead = {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** The body's declared length; the body itself is sent later with `send`. */
  contentLength: number;
};

/** Deadlines only bound a hung test (two busy cores): they never measure speed. */
const deadlineMs = 60_000;

/** Opens a connection, sends the request's head and resolves once the server has taken the request. */
export async function holdRequest(url: string, head: HeldRequestHead): Promise<HeldRequest> {
  const held = openConnection(url);
  const { host } = new URL(url);
  const headers = { host, ...head.headers, "content-length": String(head.contentLength), expect: "100-continue" };
  held.send(`${head.method} ${head.path} HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n`);
  await held.received(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
  return held;
}

/** A raw connection to the server, to write on in steps and read everything back. */
export function openConnection(url: string): HeldRequest {
  const socket = connectTo(url);
  let received = "";
  let closed = false;
  const waiting = new Set<{ pattern: RegExp; done: (error?: Error) => void }>();
  const check = () => {
    for (const waiter of waiting) {
      if (waiter.pattern.test(received)) waiter.done();
      else if (closed) waiter.done(new Error(`connection closed before ${waiter.pattern} arrived; received: ${JSON.stringify(received)}`));
    }
  };
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
    check();
  });
  const reply = collect(socket, deadlineMs).then((result) => {
    closed = true;
    check();
    return result;
  });
  return {
    send: (bytes) => void socket.write(Buffer.from(bytes, "latin1")),
    received: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const waiter = {
          pattern,
          done: (error?: Error) => {
            waiting.delete(waiter);
            if (error) reject(error);
            else resolve();
          },
        };
        waiting.add(waiter);
        check();
      }),
    reply,
  };
}

export type ParsedResponse = { status: number; headers: Record<string, string>; body: string };

/** The responses in a reply's bytes, in order, interim ones (1xx) included; each body sized by its Content-Length. */
export function parseResponses(text: string): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let rest = text;
  while (rest.startsWith("HTTP/1.1 ")) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) break;
    const [statusLine = "", ...lines] = rest.slice(0, end).split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) headers[line.slice(0, line.indexOf(":")).trim().toLowerCase()] = line.slice(line.indexOf(":") + 1).trim();
    const status = Number(statusLine.split(" ")[1]);
    const length = status < 200 ? 0 : Number(headers["content-length"] ?? 0);
    responses.push({ status, headers, body: Buffer.from(rest.slice(end + 4, end + 4 + length), "latin1").toString("utf8") });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

/**
 * Resolves once a new connection to `url` is refused: the server has stopped listening. Each
 * attempt that still connects is closed at once; attempts are spaced out, and the wait is bounded
 * only to end a hung test.
 */
export async function refusedSoon(url: string, boundMs = 30_000): Promise<void> {
  const { hostname, port } = new URL(url);
  const giveUp = Date.now() + boundMs;
  while (Date.now() < giveUp) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    if (outcome === "ECONNREFUSED") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} still accepted connections after ${boundMs} ms`);
}
