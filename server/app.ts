import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { DatabaseBusyError } from "../db/busy.js";
import { openDatabase } from "../db/database.js";
import { busy, busyRetryAfterSeconds, failureStatus } from "./auth/failures.js";
import { preloadPasswordPolicy } from "./auth/password-policy.js";
import type { Requester } from "./auth/account.js";
import { loadConfig, type ConfigOptions, type Environment } from "./config.js";
import { authenticate } from "./http/authenticate.js";
import { changePasswordJson } from "./http/change-password-json.js";
import { compressAnswer } from "./http/compression.js";
import { isCrossSiteRequest } from "./http/csrf.js";
import { createDrain, settlesWithin } from "./http/drain.js";
import { probeResponse, serverReadiness } from "./http/health.js";
import { createNodeListener } from "./http/node-bridge.js";
import { jsonResponse, plainResponse } from "./http/responses.js";
import { withQueuedHeaders } from "./http/queued-headers.js";
import { withSecurityHeaders } from "./http/security-headers.js";
import { createStaticFiles } from "./http/static-files.js";
import { createLogger, logUnexpectedError, type Logger } from "./logger.js";
import { createLoadContextFactory } from "./remix/load-context.js";
import { createServices, type ServiceOverrides } from "./services.js";
import type { Context } from "./trpc/context.js";
import { appRouter } from "./trpc/routers/_app.js";

export type AppOptions = ConfigOptions & {
  /** Where environment variables come from; `process.env` unless a test passes its own. */
  env?: Environment;
  /** The Remix server build (default: build/index.js) and the folder of its browser assets. */
  buildPath?: string;
  publicDir?: string;
  /** Structured logs; by default JSON lines on standard output at the configured level. */
  logger?: Logger;
} & ServiceOverrides;

const changePasswordPath = "/private/change-password";
/** Calls per tRPC batch request (our typed client does not batch; other tRPC clients may). */
export const maxTrpcBatchSize = 10;

/**
 * The composition root: builds the database, the auth services, the tRPC router's context and the
 * HTTP server, and routes each request to its door (assets, /trpc, the JSON door, Remix).
 */
export async function createApp(options: AppOptions = {}) {
  const {
    env,
    buildPath = "build/index.js",
    publicDir = "public",
    logger: givenLogger,
    notifier,
    mailTransport,
    passwordHasher,
    ...configOptions
  } = options;
  const config = loadConfig(configOptions, env);
  const logger = givenLogger ?? createLogger(config.logLevel);
  const db = openDatabase(config.databasePath);
  const services = await createServices(db, config, logger, { notifier, mailTransport, passwordHasher });
  await services.auth.sessions.deleteExpired();
  // Load the common-password list now rather than during somebody's first request.
  preloadPasswordPolicy();
  const createLoadContext = createLoadContextFactory(services, logger);
  const build = (await import(pathToFileURL(resolve(buildPath)).href)) as ServerBuild;
  const remix = createRequestHandler(build, "production");
  const serveStatic = createStaticFiles(publicDir);
  const onError = (error: unknown) => logUnexpectedError(logger, error);

  async function handle(request: Request, requester: Requester): Promise<Response> {
    // Load balancers' probes first: no session lookup, no Remix, nothing that could make them slow.
    const probe = probeResponse(request, readiness);
    if (probe) return withSecurityHeaders(probe, "");
    const asset = serveStatic(request);
    if (asset) return withSecurityHeaders(asset, "");
    const nonce = randomBytes(16).toString("base64");
    return withSecurityHeaders(await compressAnswer(request, await route(request, requester, nonce)), nonce);
  }

  async function route(request: Request, requester: Requester, cspNonce: string): Promise<Response> {
    try {
      return await dispatch(request, requester, cspNonce);
    } catch (error) {
      if (!(error instanceof DatabaseBusyError)) throw error;
      const { message } = busy();
      const headers = { "retry-after": String(busyRetryAfterSeconds) };
      // The JSON door's clients read `detail`, everyone else a line of text.
      return isJson(request)
        ? jsonResponse(failureStatus("busy"), { detail: message }, headers)
        : plainResponse(failureStatus("busy"), message, headers);
    }
  }

  async function dispatch(request: Request, connection: Requester, cspNonce: string): Promise<Response> {
    const url = new URL(request.url);
    // Once per request; every door below is handed this answer and parses no header itself.
    const { auth, setCookie, hasSessionCookie, device, browser } = await authenticate(request, services.auth);
    const requester: Requester = { ...connection, device };
    const csrf = { origin: config.publicOrigin ?? url.origin, authenticatedByBearer: auth?.via === "bearer", hasSessionCookie };
    if (isCrossSiteRequest(request, csrf)) {
      return plainResponse(403, "Cross-site request refused: this form must be sent from this site.");
    }
    // One origin policy: ours, above. Remix's own action check compares Origin with
    // X-Forwarded-Host or Host, which a proxy may have rewritten; past our check the request is
    // known to come from this site, so Remix is shown this site's own host and nothing else, and
    // an Origin our check did not need (a bearer-authenticated request, exempt) is not shown at all.
    request.headers.set("host", url.host);
    request.headers.delete("x-forwarded-host");
    if (request.headers.get("origin") !== csrf.origin) request.headers.delete("origin");
    const resHeaders = new Headers();
    if (setCookie) resHeaders.append("Set-Cookie", setCookie);

    if (url.pathname === "/trpc" || url.pathname.startsWith("/trpc/")) {
      return withQueuedHeaders(await trpc(request, { requester, auth, browser }), resHeaders);
    }

    const onChangePasswordPage = routesTo(url.pathname, changePasswordPath);
    if (onChangePasswordPage && !["GET", "HEAD", "POST"].includes(request.method)) {
      return plainResponse(405, "Method not allowed.", { allow: "GET, POST" });
    }
    if (onChangePasswordPage && request.method === "POST" && isJson(request)) {
      return withQueuedHeaders(await changePasswordJson(request, { services, auth, requester, resHeaders }), resHeaders);
    }
    const context = createLoadContext({ request, requester, auth, browser, resHeaders, cspNonce });
    const response = withQueuedHeaders(await remix(request, context), resHeaders);
    // Every page shows who is signed in, so none may be stored by a browser or proxy.
    if (!response.headers.has("cache-control")) response.headers.set("cache-control", "no-store");
    return response;
  }

  async function trpc(request: Request, caller: Pick<Context, "requester" | "auth" | "browser">): Promise<Response> {
    // JSON only: a plain HTML form (urlencoded, multipart, text/plain) can never reach a procedure.
    if (request.method === "POST" && !isJson(request)) {
      return jsonResponse(415, { error: { message: "tRPC requests must be application/json." } });
    }
    const response = await fetchRequestHandler({
      endpoint: "/trpc",
      req: request,
      router: appRouter,
      // One request must not buy unbounded password work: a batch of 60 registrations once cost
      // 60 hashes. Larger batches get 400 before any procedure runs.
      maxBatchSize: maxTrpcBatchSize,
      createContext: ({ resHeaders }) => ({ services, ...caller, resHeaders }),
      onError: ({ error }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") onError(error.cause ?? error);
      },
    });
    response.headers.set("cache-control", "no-store");
    return response;
  }

  const server = createServer(
    {
      // Slow clients (Slowloris): a request must arrive whole within these, or Node answers 408
      // and closes the connection. Node's defaults (300 s for a request) let a few thousand slow
      // uploads hold as many open files.
      requestTimeout: config.requestTimeoutSeconds * 1000,
      headersTimeout: config.headersTimeoutSeconds * 1000,
      keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
      // Node looks for expired requests only this often (every 30 s by default, so a 10 s headers
      // timeout could take 40 s to fire): once a second keeps the timeouts accurate to a second.
      connectionsCheckingInterval: 1000,
    },
    createNodeListener(handle, {
      origin: config.publicOrigin,
      maxBodyBytes: config.maxBodyBytes,
      trustProxy: config.trustProxy,
      onError,
      onUnsafeHeader: (header) => logger.error({ header: header.name, action: header.action }, "unsafe response header"),
    }),
  );
  // Each connection is an open file: beyond the cap, new ones are closed as they arrive.
  server.maxConnections = config.maxConnections;
  const drain = createDrain(server);
  const readiness = serverReadiness(db, () => drain.started);
  let closing: Promise<void> | undefined;

  /**
   * Graceful: no new connections, /readyz answers 503, the requests in flight finish (at most
   * `timeoutSeconds`, after which their connections are closed), the change notices under way are
   * sent (within the same time), and then the database is closed.
   */
  async function shutDown(timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    logger.info({ event: "shutdown_started", timeoutSeconds }, "shutting down: finishing the requests in flight");
    const { timedOut } = await drain.close(timeoutSeconds * 1000);
    if (timedOut) logger.warn({ event: "shutdown_timeout", timeoutSeconds }, "requests still in flight at the shutdown timeout were cut off");
    // A change made just before the signal still gets its e-mail, and its delivery recorded.
    if (!(await settlesWithin(services.deliveriesSettled(), deadline - Date.now()))) {
      logger.warn({ event: "shutdown_timeout", timeoutSeconds }, "change notices still being sent at the shutdown timeout were cut off");
    }
    db.close();
    logger.info({ event: "shutdown_complete" }, "shut down");
  }

  return {
    config,
    db,
    services,
    handle,
    server,
    /** Listens on the configured port and host (port 0: any free port); resolves to the base URL. */
    async listen(port = config.port, host = config.host): Promise<string> {
      await new Promise<void>((done, fail) => {
        server.once("error", fail);
        server.listen(port, host, () => done());
      });
      const address = server.address() as AddressInfo;
      const hostname = address.family === "IPv6" ? (address.address === "::" ? "localhost" : `[${address.address}]`) : address.address;
      return `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${address.port}`;
    },
    /**
     * Shuts down gracefully (see `shutDown`); by default within the configured shutdown timeout.
     * Calling it again returns the same shutdown.
     */
    close(options: { timeoutSeconds?: number } = {}): Promise<void> {
      closing ??= shutDown(options.timeoutSeconds ?? config.shutdownTimeoutSeconds);
      return closing;
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;

/**
 * Whether a request path reaches a page the way Remix matches it: case-insensitively, percent-
 * decoded, with or without trailing slashes. Our method rules must hold for every spelling that
 * Remix would route to the page (`PUT /PRIVATE/CHANGE%2DPASSWORD/` included).
 */
function routesTo(pathname: string, pagePath: string): boolean {
  let decoded = pathname;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    // Broken percent-encoding: Remix matches the raw text, so do we.
  }
  return (decoded.replace(/\/+$/, "") || "/").toLowerCase() === pagePath.toLowerCase();
}

function isJson(request: Request): boolean {
  const type = request.headers.get("content-type") ?? "";
  return /^application\/json\s*(;|$)/i.test(type);
}
