import { request, type IncomingHttpHeaders } from "node:http";

export type RawResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * One HTTP request with exactly the headers given (fetch forbids some, such as Host), to a
 * loopback server. For tests of what a proxy or a hostile client can send.
 */
export function rawRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: options.method ?? "GET", path: options.path, headers: options.headers, setHost: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export type WireResponse = { status: number; headers: IncomingHttpHeaders; body: Buffer; wireBytes: number };

/**
 * One request on a connection of its own, answered as it came over the wire: the body exactly as
 * sent (never decoded, unlike fetch), and `wireBytes`, every byte the connection received (status
 * line, headers and body), which is what a browser downloads.
 */
export function wireRequest(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<WireResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: options.method ?? "GET", path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), wireBytes: res.socket.bytesRead }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}
