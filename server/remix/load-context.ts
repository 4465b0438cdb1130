import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { Config } from "../config.js";
import type { createContextFactory } from "../trpc/context.js";
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
  "loginUrl" | "minPasswordLength" | "maxPasswordLength" | "readOnly" | "styles"
>;

export type LoadContext = {
  /** tRPC procedures, called in-process with this request's session and response headers. */
  trpc: Caller;
  call<T>(procedure: (trpc: Caller) => Promise<T>): Promise<CallResult<T>>;
  settings: PageSettings;
};

declare module "@remix-run/server-runtime" {
  interface AppLoadContext extends LoadContext {}
}

export function createLoadContextFactory(
  config: Config,
  createContext: ReturnType<typeof createContextFactory>,
) {
  const settings: PageSettings = {
    loginUrl: config.loginUrl,
    minPasswordLength: config.minPasswordLength,
    maxPasswordLength: config.maxPasswordLength,
    readOnly: config.readOnly,
    styles: config.styles,
  };
  return async function createLoadContext(request: Request, resHeaders: Headers): Promise<LoadContext> {
    const trpc = createCaller(await createContext({ req: request, resHeaders }));
    return {
      trpc,
      settings,
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
