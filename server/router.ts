import type { AppLoadContext, RequestHandler } from "@remix-run/node";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { isDatabaseUnavailable } from "../db/faults.js";
import type { Requester } from "./auth/account.js";
import { busy, busyRetryAfterSeconds, failureStatus } from "./auth/failures.js";
import { authenticate } from "./http/authenticate.js";
import { changePasswordJson } from "./http/change-password-json.js";
import { parseCookies } from "./http/cookies.js";
import { isCrossSiteRequest } from "./http/csrf.js";
import { withQueuedHeaders } from "./http/queued-headers.js";
import { jsonResponse, plainResponse } from "./http/responses.js";
import type { LoadContextInput } from "./remix/load-context.js";
import type { Services } from "./services.js";
import type { Context } from "./trpc/context.js";
import { appRouter } from "./trpc/routers/_app.js";

const changePasswordPath = "/private/change-password";
/** Calls per tRPC batch request (our typed client does not batch; other tRPC clients may). */
export const maxTrpcBatchSize = 10;

export type RouterParts = {
  services: Services;
  createLoadContext: (input: LoadContextInput) => AppLoadContext;
  remix: RequestHandler;
  onError: (error: unknown) => void;
};

/**
 * Every request that is not a probe or an asset: authenticated once, checked against the one origin
 * policy, then handed to its door (tRPC, the seed's JSON POST, or a Remix page), each of which gets
 * the same authentication. A database that cannot serve now is 503 through every door.
 */
/** Where Remix's client asks which routes match a path (lazy route discovery). */
const remixManifestPath = "/__manifest";

export function createRouter({ services, createLoadContext, remix, onError }: RouterParts) {
  const { config } = services;

  async function route(request: Request, url: URL, requester: Requester, cspNonce: string): Promise<Response> {
    try {
      return await dispatch(request, url, requester, cspNonce);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      const { message } = busy();
      const headers = { "retry-after": String(busyRetryAfterSeconds) };
      // The JSON door's clients read `detail`, everyone else a line of text.
      return isJson(request)
        ? jsonResponse(failureStatus("busy"), { detail: message }, headers)
        : plainResponse(failureStatus("busy"), message, headers);
    }
  }

  async function dispatch(request: Request, url: URL, connection: Requester, cspNonce: string): Promise<Response> {
    // Once per request; every door below is handed this answer and parses no header itself.
    const cookies = parseCookies(request.headers.get("cookie"));
    const { auth, setCookie, hasSessionCookie, sessionEnded, device, browser } = await authenticate(request, cookies, services.auth);
    const requester: Requester = { ...connection, device };
    const csrf = { origin: config.publicOrigin ?? url.origin, authenticatedByBearer: auth?.via === "bearer", hasSessionCookie };
    if (isCrossSiteRequest(request, csrf)) {
      return plainResponse(403, "Cross-site request refused: this form must be sent from this site.");
    }
    // One origin policy: ours, above. Remix's own action check compares Origin with the Host (the
    // bridge already set it to this site's and dropped X-Forwarded-Host); an Origin our check did
    // not need (a bearer-authenticated request, exempt) is not shown to it at all.
    if (request.headers.get("origin") !== csrf.origin) request.headers.delete("origin");
    const resHeaders = new Headers();
    // Remix's route discovery (`/__manifest`, fetched by the browser ahead of a navigation) shows
    // nobody anything: it must not take away an ended session's cookie, or the navigation right
    // after it can no longer tell the person why they have to sign in again.
    if (setCookie && url.pathname !== remixManifestPath) resHeaders.append("Set-Cookie", setCookie);

    if (url.pathname === "/trpc" || url.pathname.startsWith("/trpc/")) {
      return withQueuedHeaders(await trpc(request, { requester, auth, browser }), resHeaders);
    }

    // Password managers look for a site's change-password page here (W3C "A Well-Known URL for
    // Changing Passwords"); signed out, the page itself sends the visitor to sign in first.
    if (url.pathname === "/.well-known/change-password" && (request.method === "GET" || request.method === "HEAD")) {
      return withQueuedHeaders(new Response(null, { status: 302, headers: { location: changePasswordPath, "cache-control": "no-store" } }), resHeaders);
    }
    const onChangePasswordPage = routesTo(url.pathname, changePasswordPath);
    if (onChangePasswordPage && !["GET", "HEAD", "POST"].includes(request.method)) {
      return plainResponse(405, "Method not allowed.", { allow: "GET, POST" });
    }
    if (onChangePasswordPage && request.method === "POST" && isJson(request)) {
      return withQueuedHeaders(await changePasswordJson(request, { services, auth, requester, cookies, resHeaders }), resHeaders);
    }
    const context = createLoadContext({ cookies, requester, auth, sessionEnded, browser, resHeaders, cspNonce });
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

  return route;
}

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
