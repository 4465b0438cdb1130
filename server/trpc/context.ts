import type { Client } from "../auth/events.js";
import type { Session, SessionUser } from "../auth/sessions.js";
import type { Services } from "../services.js";

export type Auth = { user: SessionUser; session: Session; via: "cookie" | "bearer" };

export type Context = {
  services: Services;
  req: Request;
  /** Headers for the response, whichever door the call came through (HTTP, Remix, JSON). */
  resHeaders: Headers;
  client: Client;
  auth: Auth | null;
};

export type ContextOptions = { req: Request; resHeaders: Headers; client: Client };

/**
 * Builds each request's context: validates the session (bearer token first, then cookie) against
 * the database once, and queues a renewed or blank cookie when the session service asks for one.
 */
export function createContextFactory(services: Services) {
  return async function createContext({ req, resHeaders, client }: ContextOptions): Promise<Context> {
    const base = { services, req, resHeaders, client };
    const bearer = services.sessions.readBearerToken(req.headers.get("authorization"));
    const cookie = bearer ? null : services.sessions.readCookieToken(req.headers.get("cookie"));
    const token = bearer ?? cookie;
    if (!token) return { ...base, auth: null };

    const { valid, cookie: setCookie } = await services.sessions.validate(token);
    if (cookie && setCookie) resHeaders.append("Set-Cookie", setCookie);
    if (!valid) return { ...base, auth: null };
    return { ...base, auth: { ...valid, via: bearer ? "bearer" : "cookie" } };
  };
}
