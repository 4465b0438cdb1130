import type { IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import { Readable } from "node:stream";

export type Handler = (request: Request) => Promise<Response>;

// Host names, IPv4, bracketed IPv6, optional port: anything else cannot be the authority of a URL.
const hostPattern = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Node's http server speaking fetch's Request/Response, so that tRPC, Remix and our own doors
 * share one shape. `origin` is the configured public origin; unset, the request's own Host.
 */
export function createNodeListener(handle: Handler, options: { origin?: string; onError: (error: unknown) => void }) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const request = toRequest(req, res, options.origin);
      const response = request ? await handle(request) : plainResponse(400, "Bad request.");
      await sendResponse(res, response, req.method === "HEAD");
    } catch (error) {
      options.onError(error);
      if (!res.headersSent) {
        await sendResponse(res, plainResponse(500, "Something went wrong on our side."), false).catch(() => {});
      } else {
        res.destroy();
      }
    }
  };
}

function toRequest(req: IncomingMessage, res: ServerResponse, origin?: string): Request | null {
  const host = req.headers.host ?? "";
  // Only origin-form targets ("/path?query"); "//x" or "http://x" would let a client pick the URL's host.
  if (!req.url?.startsWith("/") || (!origin && !hostPattern.test(host))) return null;
  const url = new URL((origin ?? `http://${host}`) + req.url);

  // Abort on the response's close, not the request's: the request stream closes as soon as its
  // body has been read, long before the client goes away.
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });

  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(url, {
    method: req.method,
    headers,
    signal: controller.signal,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    // Node's fetch needs `duplex` for a streamed body.
    duplex: hasBody ? "half" : undefined,
  });
}

async function sendResponse(res: ServerResponse, response: Response, isHead: boolean): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (!response.body || isHead) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await once(res, "drain");
  }
  res.end();
}

export function plainResponse(status: number, text: string, headers: HeadersInit = {}): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

export function jsonResponse(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}
