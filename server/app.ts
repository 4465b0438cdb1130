import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { preloadPasswordPolicy } from "./auth/password-policy.js";
import type { Requester } from "./auth/account.js";
import { loadConfig, type ConfigOptions, type Environment } from "./config.js";
import { compressAnswer } from "./http/compression.js";
import { openConfiguredStore } from "./database.js";
import { createDrain, settlesWithin } from "./http/drain.js";
import { probeResponse, serverReadiness } from "./http/health.js";
import { createNodeListener } from "./http/node-bridge.js";
import { withSecurityHeaders } from "./http/security-headers.js";
import { createStaticFiles } from "./http/static-files.js";
import { createLogger, logUnexpectedError, type Logger } from "./logger.js";
import { createLoadContextFactory } from "./remix/load-context.js";
import { createRouter } from "./router.js";
import { createServices, type ServiceOverrides } from "./services.js";

export type AppOptions = ConfigOptions & {
  /** Where environment variables come from; `process.env` unless a test passes its own. */
  env?: Environment;
  /** The Remix server build (default: build/index.js) and the folder of its browser assets. */
  buildPath?: string;
  publicDir?: string;
  /** Structured logs; by default JSON lines on standard output at the configured level. */
  logger?: Logger;
} & ServiceOverrides;

/**
 * The composition root: builds the database, the auth services, the request router and the HTTP
 * server; answers probes and assets itself and hands every other request to the router.
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
  const store = await openConfiguredStore(config, logger);
  const services = await createServices(store, config, logger, { notifier, mailTransport, passwordHasher });
  await services.auth.sessions.deleteExpired();
  await store.passwordResets.sweep(Date.now());
  // Load the common-password list now rather than during somebody's first request.
  preloadPasswordPolicy();
  const createLoadContext = createLoadContextFactory(services, logger);
  const build = (await import(pathToFileURL(resolve(buildPath)).href)) as ServerBuild;
  const remix = createRequestHandler(build, "production");
  const serveStatic = createStaticFiles(publicDir);
  const onError = (error: unknown) => logUnexpectedError(logger, error);
  const route = createRouter({ services, createLoadContext, remix, onError });

  async function handle(request: Request, requester: Requester): Promise<Response> {
    // Load balancers' probes first: no session lookup, no Remix, nothing that could make them slow.
    // Parsed once here for every step below.
    const url = new URL(request.url);
    const probe = await probeResponse(request, url, readiness);
    if (probe) return withSecurityHeaders(probe, "");
    const asset = serveStatic(request, url);
    if (asset) return withSecurityHeaders(asset, "");
    const nonce = randomBytes(16).toString("base64");
    return withSecurityHeaders(await compressAnswer(request, await route(request, url, requester, nonce)), nonce);
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
  const readiness = serverReadiness(store, () => drain.started);
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
    if (!(await settlesWithin(services.stopDeliveries(), deadline - Date.now()))) {
      logger.warn({ event: "shutdown_timeout", timeoutSeconds }, "change notices still being sent at the shutdown timeout were cut off");
    }
    await store.close();
    logger.info({ event: "shutdown_complete" }, "shut down");
  }

  return {
    config,
    store,
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
      const url = `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${address.port}`;
      services.publicOrigin.listeningAt(url);
      if (!services.publicOrigin.configured && config.smtpUrl) {
        logger.warn({ event: "public_origin_unset", linksTo: url }, "PUBLIC_ORIGIN is not set: links in e-mails point to this machine's own address");
      }
      return url;
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
