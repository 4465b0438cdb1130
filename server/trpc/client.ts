import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "./routers/_app.js";

export type ClientOptions = {
  /** The app's tRPC endpoint, e.g. http://localhost:3000/trpc */
  url: string;
  /** A session token from `auth.login` (null: none), sent as `Authorization: Bearer`. */
  token?: string | null | (() => string | null | undefined);
  fetch?: typeof globalThis.fetch;
};

/** A typed tRPC client for the app. It imports nothing from the server at run time. */
export function createClient(options: ClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: options.url,
        fetch: options.fetch,
        headers() {
          const token = typeof options.token === "function" ? options.token() : options.token;
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}

export type AppClient = ReturnType<typeof createClient>;

/** Narrows an unknown error to the app's typed tRPC error (`error.data.reason`, `fieldErrors`, ...). */
export function isAppError(error: unknown): error is TRPCClientError<AppRouter> {
  return error instanceof TRPCClientError;
}
