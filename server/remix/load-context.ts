import { TRPCError } from "@trpc/server";
import type { Requester } from "../auth/account.js";
import { failureStatus, type Failure } from "../auth/failures.js";
import { usesHttps, type Config } from "../config.js";
import type { Authentication } from "../http/authenticate.js";
import type { RequestCookies } from "../http/cookies.js";
import type { Services } from "../services.js";
import { createCallerFactory, failureOf } from "../trpc/init.js";
import { appRouter } from "../trpc/routers/_app.js";
import { afterChangeHint } from "../http/after-change.js";
import { resetLinkLifetimeMinutes } from "../auth/reset-links.js";
import { createFlash, type FlashStore } from "../http/flash.js";
import { logUnexpectedError, type Logger } from "../logger.js";

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

/**
 * A procedure's outcome as a value, so route modules never need tRPC's error classes at run time.
 * The status comes from the failure catalogue, like every other door's.
 */
export type CallResult<T> = { ok: true; data: T } | { ok: false; status: number; failure: Failure };

/** What the pages may know of the configuration. */
export type PageConfig = Pick<
  Config,
  | "loginUrl"
  | "minPasswordLength"
  | "maxPasswordLength"
  | "readOnly"
  | "styles"
  | "darkStyles"
  | "invalidateSessions"
  | "signOutOtherDevicesChoice"
> & {
  /** What a change will do to this and other devices, said on the form before it happens. */
  afterChangeHint: string;
  /** How long a password-reset link works, said on the pages that ask for one. */
  resetLinkLifetimeMinutes: number;
};

export type LoadContext = {
  /** tRPC procedures, called in-process with this request's authentication and response headers. */
  trpc: Caller;
  call<T>(procedure: (trpc: Caller) => Promise<T>): Promise<CallResult<T>>;
  config: PageConfig;
  /** The CSRF token the no-JavaScript forms carry, bound to this session; null when signed out. */
  formToken: string | null;
  /** Whether a submitted form token fits this session (always true when no cookie session is in play). */
  checkFormToken(value: unknown): boolean;
  /** This response's CSP nonce, for Remix's inline scripts and our inline styles. */
  cspNonce: string;
  /** One-shot messages across a redirect (works without JavaScript), and why a session ended. */
  flash: FlashStore;
  /** Logs an error nobody expected through the app's logger: one JSON line, like every other log. */
  logError(error: unknown): void;
};

declare module "@remix-run/server-runtime" {
  interface AppLoadContext extends LoadContext {}
}

export type LoadContextInput = {
  /** The request's cookies, read once by the router (the flash message is one). */
  cookies: RequestCookies;
  requester: Requester;
  auth: Authentication | null;
  /** The session cookie sent no longer signs anyone in (server/http/authenticate.ts). */
  sessionEnded: boolean;
  browser: boolean;
  resHeaders: Headers;
  cspNonce: string;
};

export function createLoadContextFactory(services: Services, logger: Logger) {
  const { config } = services;
  const pageConfig: PageConfig = {
    loginUrl: config.loginUrl,
    minPasswordLength: config.minPasswordLength,
    maxPasswordLength: config.maxPasswordLength,
    readOnly: config.readOnly,
    styles: config.styles,
    darkStyles: config.darkStyles,
    invalidateSessions: config.invalidateSessions,
    signOutOtherDevicesChoice: config.signOutOtherDevicesChoice,
    afterChangeHint: afterChangeHint(config),
    resetLinkLifetimeMinutes,
  };
  const secureCookies = usesHttps(config);
  const logError = (error: unknown) => logUnexpectedError(logger, error);
  return function createLoadContext({ cookies, requester, auth, sessionEnded, browser, resHeaders, cspNonce }: LoadContextInput): LoadContext {
    const trpc = createCaller({ services, requester, auth, browser, resHeaders });
    const cookieSession = auth?.via === "cookie" ? auth.session.id : null;
    return {
      trpc,
      config: pageConfig,
      cspNonce,
      logError,
      flash: createFlash(cookies, resHeaders, secureCookies, { sessionEnded }),
      formToken: cookieSession ? services.formTokens.issue(cookieSession) : null,
      checkFormToken: (value) => cookieSession === null || services.formTokens.verify(cookieSession, value),
      async call(procedure) {
        try {
          return { ok: true, data: await procedure(trpc) };
        } catch (error) {
          const failure = error instanceof TRPCError ? failureOf(error) : null;
          if (!failure) throw error;
          return { ok: false, status: failureStatus(failure.reason), failure };
        }
      },
    };
  };
}
