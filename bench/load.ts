import autocannon from "autocannon";
import { Agent, request as httpRequest } from "node:http";
import { performance } from "node:perf_hooks";
import { percentile } from "./stats.js";

/**
 * A closed-loop load driver: `connections` clients, each sending its next request as soon as the
 * last one is answered, over keep-alive connections. Unlike autocannon it lets each client keep
 * its own state (which user it is, which password is current), which the peer's change-password
 * runs need, and it counts only a measured window after a short warm-up, so a round's figure is
 * the server's steady pace and not its ramp.
 */

export type RequestSpec = { method: string; path: string; headers?: Record<string, string>; body?: string };

export type Answer = { status: number; body: string };

export type LoadOptions = {
  /** The server, or several (instances of one app): client i talks to url[i % length]. */
  url: string | string[];
  connections: number;
  /** Length of the measured window; requests answered outside it are neither counted nor timed. */
  seconds: number;
  /** Load before the window opens: the queues fill and the server reaches its pace. */
  warmupSeconds?: number;
  /** The next request of client `client`; null when it has nothing left to send. */
  next(client: number): RequestSpec | null;
  /** Each answer, in or out of the window (state such as a changed password follows it). */
  onAnswer?(client: number, answer: Answer): void;
  /** Called as the window opens and as it closes (e.g. to reset and to read the server's own counters). */
  onWindowOpen?(): void;
  onWindowClose?(): void;
};

export type LoadRound = {
  /** 2xx answers per second within the window. */
  perSecond: number;
  ok: number;
  /** Answers by status within the window (0: the connection failed). */
  statuses: Record<number, number>;
  /** Latency percentiles of the 2xx answers within the window, in milliseconds. */
  p50: number;
  p99: number;
};

export async function closedLoop(options: LoadOptions): Promise<LoadRound> {
  const { connections, seconds, warmupSeconds = 0.5 } = options;
  const urls = typeof options.url === "string" ? [options.url] : options.url;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const started = performance.now();
  const windowStart = started + warmupSeconds * 1000;
  const windowEnd = windowStart + seconds * 1000;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  // Each fires once: on time, or at the end if every client ran out of requests before.
  const once = (callback?: () => void) => {
    let done = false;
    return () => {
      if (!done) (done = true), callback?.();
    };
  };
  const open = once(options.onWindowOpen);
  const close = once(options.onWindowClose);
  const opener = setTimeout(open, warmupSeconds * 1000);
  const closer = setTimeout(close, (warmupSeconds + seconds) * 1000);

  async function client(index: number) {
    const url = urls[index % urls.length]!;
    while (performance.now() < windowEnd) {
      const spec = options.next(index);
      if (!spec) return;
      const sent = performance.now();
      const answer = await send(agent, url, spec).catch(() => ({ status: 0, body: "" }));
      const answered = performance.now();
      options.onAnswer?.(index, answer);
      if (answered < windowStart || answered > windowEnd) continue;
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) latencies.push(answered - sent);
    }
  }

  await Promise.all(Array.from({ length: connections }, (_, index) => client(index)));
  clearTimeout(opener);
  clearTimeout(closer);
  open();
  close();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / seconds,
    ok: latencies.length,
    statuses,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

function send(agent: Agent, url: string, spec: RequestSpec): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    const headers = { ...spec.headers, ...(body ? { "content-length": String(body.length) } : {}) };
    const request = httpRequest(`${url}${spec.path}`, { method: spec.method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** Answers of several rounds by status: 2xx together, other statuses one by one, failed connections as "errors". */
export function countStatuses(loads: LoadRound[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const load of loads) {
    for (const [status, count] of Object.entries(load.statuses)) {
      const key = status.startsWith("2") ? "2xx" : status === "0" ? "errors" : status;
      counts[key] = (counts[key] ?? 0) + count;
    }
  }
  return counts;
}

/**
 * Authenticated GETs of the change-password page from autocannon (many per second: cheaper than
 * closedLoop). Several URLs (instances of one app) share the connections in turn.
 */
export async function authenticatedGets(url: string | string[], cookie: string, connections: number, seconds: number): Promise<LoadRound> {
  const pages = (typeof url === "string" ? [url] : url).map((base) => `${base}/private/change-password`);
  // autocannon takes a list of URLs and spreads its connections over them (its README, `url`),
  // though its type declarations only know a single one.
  const target = (pages.length === 1 ? pages[0]! : pages) as string;
  const result = await autocannon({ url: target, connections, duration: seconds, headers: { cookie }, timeout: 30 });
  const elapsed = (result.finish.getTime() - result.start.getTime()) / 1000;
  const statuses: Record<number, number> = {};
  for (const [status, { count = 0 }] of Object.entries(result.statusCodeStats ?? {})) statuses[Number(status)] = count;
  if (result.errors + result.timeouts) statuses[0] = result.errors + result.timeouts;
  return { perSecond: result["2xx"] / elapsed, ok: result["2xx"], statuses, p50: result.latency.p50, p99: result.latency.p99 };
}
