import type { Requester } from "../auth/account.js";
import type { Authentication } from "../http/authenticate.js";
import type { Services } from "../services.js";

/**
 * A procedure's context: the app's services and what server/http already established about the
 * request (who sent it, who it is signed in as). Procedures never look at headers themselves.
 */
export type Context = {
  services: Services;
  requester: Requester;
  auth: Authentication | null;
  /** The caller is a browser (server/http/authenticate.ts): it gets cookies, never a token in a body. */
  browser: boolean;
  /** Headers for the response, whichever door the call came through (HTTP or the pages' caller). */
  resHeaders: Headers;
};
