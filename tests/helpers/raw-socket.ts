import { connect, type Socket } from "node:net";

/**
 * HTTP spoken byte by byte over node:net, for what fetch cannot do: send a body slowly, keep
 * uploading after the server has answered, send header bytes fetch refuses, and see exactly how
 * the server ended the connection (a clean close, or a reset).
 */

export type SocketReply = {
  /** Every byte the server sent, as latin1 text (one character per byte). */
  text: string;
  /** The status code of the first status line, or null when none arrived. */
  status: number | null;
  /** The socket's error code (ECONNRESET, EPIPE, ...), or null when the connection ended cleanly. */
  error: string | null;
  /** Whether the connection was closed before the deadline. */
  closed: boolean;
};

/** A TCP connection to the server behind `url` (a loopback test server). */
export function connectTo(url: string, options: { allowHalfOpen?: boolean } = {}): Socket {
  const { hostname, port } = new URL(url);
  return connect({ host: hostname, port: Number(port), allowHalfOpen: options.allowHalfOpen ?? false });
}

/**
 * Everything the server sends until the connection closes, or until `deadlineMs` passes (then the
 * test ends the connection itself and `closed` is false). Deadlines only bound a hung test.
 */
export function collect(socket: Socket, deadlineMs: number): Promise<SocketReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | null = null;
    let timedOut = false;
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (failure: NodeJS.ErrnoException) => {
      error ??= failure.code ?? failure.message;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, deadlineMs);
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ text, status: status ? Number(status) : null, error, closed: !timedOut });
    });
  });
}

/** One request on its own connection, written as given, read until the server closes it. */
export function socketRequest(url: string, request: string | Buffer, deadlineMs = 60_000): Promise<SocketReply> {
  const socket = connectTo(url);
  const reply = collect(socket, deadlineMs);
  socket.write(typeof request === "string" ? Buffer.from(request, "latin1") : request);
  return reply;
}

/** The raw values (latin1) of a header in the reply's head; names compare case-insensitively. */
export function headerValues(reply: SocketReply, name: string): string[] {
  const head = reply.text.split("\r\n\r\n", 1)[0] ?? "";
  return head
    .split("\r\n")
    .slice(1)
    .filter((line) => line.slice(0, line.indexOf(":")).trim().toLowerCase() === name.toLowerCase())
    .map((line) => line.slice(line.indexOf(":") + 1).trim());
}
