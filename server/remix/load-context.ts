import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { usesHttps, type Config } from "../config.js";
import { createFlash, type FlashStore } from "./flash.js";
import type { ContextOptions, createContextFactory } from "../trpc/context.js";
import type { Services } from "../services.js";
import { createCallerFactory, errorDetails } from "../trpc/init.js";
import { appRouter } from "../trpc/routers/_app.js";

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

/** A procedure's outcome as a value, so route modules never need tRPC's error classes at run time. */
export type CallResult<T> =
  | { ok: true; data: T }
  | {
      ok: false;
      status: number;
      message: string;
      reason: string | null;
      field: string | null;
      fieldErrors: Record<string, string[] | undefined> | null;
    };

/** What the pages may know of the configuration. */
export type PageSettings = Pick<
  Config,
  "loginUrl" | "minPasswordLength" | "maxPasswordLength" | "readOnly" | "styles" | "darkStyles" | "afterPasswordChange"
>;

export type LoadContext = {
  /** tRPC procedures, called in-process with this request's session and response headers. */
  trpc: Caller;
  call<T>(procedure: (trpc: Caller) => Promise<T>): Promise<CallResult<T>>;
  settings: PageSettings;
  /** The CSRF token the no-JavaScript forms carry, bound to this session; null when signed out. */
  formToken: string | null;
  /** Whether a submitted form token fits this session (always true when no cookie session is in play). */
  checkFormToken(value: unknown): boolean;
  /** This response's CSP nonce, for Remix's inline scripts and our inline styles. */
  cspNonce: string;
  /** One-shot messages across a redirect (works without JavaScript). */
  flash: FlashStore;
};

declare module "@remix-run/server-runtime" {
  interface AppLoadContext extends LoadContext {}
}

export function createLoadContextFactory(services: Services, createContext: ReturnType<typeof createContextFactory>) {
  const { config } = services;
  const settings: PageSettings = {
    loginUrl: config.loginUrl,
    minPasswordLength: config.minPasswordLength,
    maxPasswordLength: config.maxPasswordLength,
    readOnly: config.readOnly,
    styles: config.styles,
    darkStyles: config.darkStyles,
    afterPasswordChange: config.afterPasswordChange,
  };
  const secureCookies = usesHttps(config);
  return async function createLoadContext(options: ContextOptions & { cspNonce: string }): Promise<LoadContext> {
    const context = await createContext(options);
    const trpc = createCaller(context);
    const cookieSession = context.auth?.via === "cookie" ? context.auth.session.id : null;
    return {
      trpc,
      settings,
      cspNonce: options.cspNonce,
      flash: createFlash(options.req, options.resHeaders, secureCookies),
      formToken: cookieSession ? services.formTokens.issue(cookieSession) : null,
      checkFormToken: (value) => cookieSession === null || services.formTokens.verify(cookieSession, value),
      async call(procedure) {
        try {
          return { ok: true, data: await procedure(trpc) };
        } catch (error) {
          if (!(error instanceof TRPCError)) throw error;
          return { ok: false, status: getHTTPStatusCodeFromError(error), ...errorDetails(error) };
        }
      },
    };
  };
}
