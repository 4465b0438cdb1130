import { validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from "node:http";
import { isIPv4, isIPv6 } from "node:net";
import type { Requester } from "../auth/account.js";
import { plainResponse } from "./responses.js";

export type Handler = (request: Request, requester: Requester) => Promise<Response>;

export type BridgeOptions = {
  /** The configured public origin; unset, the request's own Host. */
  origin?: string;
  /** Bodies over this many bytes get 413 before anything parses them. */
  maxBodyBytes: number;
  /** Take the client address from the last X-Forwarded-For entry (the one our proxy added). */
  trustProxy: boolean;
  onError: (error: unknown) => void;
  /** A response header of ours was unfit to send (see `fitForNode`): a bug to log, not a 500. */
  onUnsafeHeader: (header: UnsafeHeader) => void;
};

/** Never the value: it may be a session cookie. */
export type UnsafeHeader = { name: string; action: "percent-encoded" | "dropped" };

// Host names, IPv4, bracketed IPv6, optional port: anything else cannot be the authority of a URL.
const hostPattern = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Node's http server speaking fetch's Request/Response, so that tRPC, Remix and our own doors
 * share one shape. Bodies are read here, up to a small cap, so no door ever parses a huge one.
 */
export function createNodeListener(handle: Handler, options: BridgeOptions) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const response = await respond(req, res, handle, options);
      if (response) await sendResponse(res, response, req.method === "HEAD", options.onUnsafeHeader);
    } catch (error) {
      options.onError(error);
      if (!res.headersSent) {
        await sendResponse(res, plainResponse(500, "Something went wrong on our side."), false, options.onUnsafeHeader).catch(() => {});
      } else {
        res.destroy();
      }
    }
  };
}

/** The answer to send, or null when there is nobody left to answer. */
async function respond(req: IncomingMessage, res: ServerResponse, handle: Handler, options: BridgeOptions): Promise<Response | null> {
  const host = req.headers.host ?? "";
  // Only origin-form targets ("/path?query"); "//x" or "http://x" would let a client pick the URL's host.
  if (!req.url?.startsWith("/") || (!options.origin && !hostPattern.test(host))) {
    return plainResponse(400, "Bad request.");
  }
  // A Host the pattern lets through can still be no URL at all (a port over 65535).
  const href = (options.origin ?? `http://${host}`) + req.url;
  if (!URL.canParse(href)) return plainResponse(400, "Bad request.");
  const url = new URL(href);

  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const body = hasBody ? await readBody(req, options.maxBodyBytes) : undefined;
  // The client went away, or sent too slowly and Node has already answered 408 and closed the
  // connection: not an error of ours, and nothing to add.
  if (body === "aborted") return null;
  if (body === "too_large") {
    discardRestOfBody(req);
    return plainResponse(413, `Request body too large (limit ${options.maxBodyBytes} bytes).`, { connection: "close" });
  }

  // Abort on the response's close, not the request's: the request stream closes as soon as its
  // body has been read, long before the client goes away.
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });

  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // X-Forwarded-Host is anybody's to send and we never use it (PUBLIC_ORIGIN says where we
    // are), so nothing below may: Remix compares it with Origin and answers 500 when they differ.
    if (value === undefined || name.startsWith(":") || name === "host" || name === "x-forwarded-host") continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  // The Host the app sees is the one its URL was built from. With PUBLIC_ORIGIN, behind a proxy
  // that sends its own Host, Remix's origin check would otherwise refuse every form with a 500.
  headers.set("host", url.host);
  const request = new Request(url, {
    method: req.method,
    headers,
    signal: controller.signal,
    body: body ? new Uint8Array(body) : undefined,
  });
  const ip = clientAddress(req.headers["x-forwarded-for"], req.socket.remoteAddress, options.trustProxy);
  return handle(request, { ip, userAgent: req.headers["user-agent"] ?? null });
}

/**
 * The whole body; "too_large" as soon as it is known to pass the cap (declared or counted), with
 * the request paused where it stood; "aborted" when the connection ended before the body did.
 * Read with listeners rather than `for await`, whose early exit would destroy the request, and
 * with it the socket the 413 has to go out on.
 */
function readBody(req: IncomingMessage, cap: number): Promise<Buffer | "too_large" | "aborted"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > cap) return Promise.resolve("too_large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | "too_large" | "aborted") => {
      req.off("data", onData).off("end", onEnd).off("error", onAborted).off("close", onAborted);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= cap) return void chunks.push(chunk);
      req.pause();
      finish("too_large");
    };
    const onEnd = () => finish(req.complete ? Buffer.concat(chunks) : "aborted");
    const onAborted = () => finish("aborted");
    req.on("data", onData).on("end", onEnd).on("error", onAborted).on("close", onAborted);
  });
}

/** How much of a refused body is read and thrown away, and for how long, before the connection is closed regardless. */
const discardLimit = { bytes: 4 * 1024 * 1024, ms: 10_000 };

/**
 * Lets a client that is still uploading read its 413 (RFC 9112 §9.6, tear-down). Closing a socket
 * while the peer is still sending makes our kernel answer the next bytes with a reset, and the
 * client's stack then throws away the 413 it has not read yet. So the rest of the body is read and
 * discarded, our side is closed first (the answer, then FIN), and the connection ends when the
 * client closes its side, or at the limit. The limit gives a slow client nothing: the request
 * timeout would close its connection just the same.
 */
function discardRestOfBody(req: IncomingMessage): void {
  const socket = req.socket;
  // Node ends a `Connection: close` answer with socket.destroySoon(), which closes the socket as
  // soon as the answer is flushed. Without that method it falls back to socket.end(): only our
  // side is closed (an http server's sockets allow half-open), and the parser keeps reading.
  socket.destroySoon = () => socket.end();
  const timer = setTimeout(() => socket.destroy(), discardLimit.ms).unref();
  socket.once("close", () => clearTimeout(timer));
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    // Enough: stop reading, and TCP flow control holds the client until the timer ends it.
    if (discarded > discardLimit.bytes) req.pause();
  });
  req.resume();
}

/**
 * The client's address: the socket's peer or, behind a proxy we trust, the last X-Forwarded-For
 * entry (the one that proxy added; earlier ones are the client's own word). That entry counts only
 * if it is an IP address: it is recorded, rate-limited on and mailed as "the IP address", and
 * anything a client managed to put there (3,000 characters of markup, say) must never be.
 */
export function clientAddress(forwardedFor: string | string[] | undefined, socketAddress: string | undefined, trustProxy: boolean): string {
  const fallback = socketAddress ?? "unknown";
  if (!trustProxy || forwardedFor === undefined) return fallback;
  const last = [forwardedFor].flat().join(",").split(",").pop() ?? "";
  return ipAddressIn(last.trim()) ?? fallback;
}

/**
 * The address alone from how proxies write one: "203.0.113.7", "203.0.113.7:8080", "2001:db8::1",
 * "[2001:db8::1]:443", "fe80::1%eth0" (the zone means something only on the proxy's own host).
 * Null for anything else.
 */
function ipAddressIn(entry: string): string | null {
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(entry);
  const withPort = /^([\d.]+):\d{1,5}$/.exec(entry);
  const address = bracketed?.[1] ?? withPort?.[1] ?? entry;
  if (isIPv4(address)) return bracketed ? null : address;
  const [withoutZone = ""] = address.split("%", 1);
  return isIPv6(withoutZone) ? withoutZone : null;
}

async function sendResponse(
  res: ServerResponse,
  response: Response,
  isHead: boolean,
  onUnsafeHeader: BridgeOptions["onUnsafeHeader"],
): Promise<void> {
  // Every answer here is small and complete once rendered (pages wait for all their data), so it
  // is gathered and written with its headers in one go: one syscall instead of several.
  const chunks: Uint8Array[] = [];
  if (response.body && !isHead) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  }
  if (res.destroyed) return;
  const body = Buffer.concat(chunks);
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    const fit = fitForNode(name, value, onUnsafeHeader);
    if (fit !== null) res.setHeader(name, fit);
  }
  const cookies = response.headers.getSetCookie().filter((cookie) => fitForNode("set-cookie", cookie, onUnsafeHeader) !== null);
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (!isHead) res.setHeader("content-length", body.byteLength);
  res.end(isHead ? undefined : body);
}

/**
 * The last line of defence for what we send. fetch's Headers accept values that Node's
 * res.setHeader refuses (ERR_INVALID_CHAR: control characters), and that refusal would turn the
 * whole answer into a 500. A Location is a URL, so anything but printable ASCII in it is
 * percent-encoded (raw non-ASCII too, which Node would send as raw bytes); any other unfit header
 * is dropped. Either way the bug that made it is reported.
 */
function fitForNode(name: string, value: string, onUnsafeHeader: BridgeOptions["onUnsafeHeader"]): string | null {
  if (name === "location" && /[^\x21-\x7e]/.test(value)) {
    onUnsafeHeader({ name, action: "percent-encoded" });
    // Well-formed first: encodeURIComponent throws on a lone surrogate.
    return value.toWellFormed().replace(/[^\x21-\x7e]/gu, (character) => encodeURIComponent(character));
  }
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return value;
  } catch {
    onUnsafeHeader({ name, action: "dropped" });
    return null;
  }
}
