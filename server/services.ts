import type { Db } from "../db/database.js";
import { createSessionQueries } from "../db/sessions.js";
import { createUserQueries } from "../db/users.js";
import { passwordHasher } from "./auth/passwords.js";
import { createSessionService } from "./auth/sessions.js";
import type { Config } from "./config.js";

/** What the tRPC procedures and the HTTP doors work with, built once per app from its database and config. */
export function createServices(db: Db, config: Config) {
  return {
    config,
    users: createUserQueries(db),
    sessionRows: createSessionQueries(db),
    sessions: createSessionService(db, {
      cookieName: config.sessionCookieName,
      secure: config.publicOrigin?.startsWith("https:") ?? false,
    }),
    passwords: passwordHasher,
  };
}

export type Services = ReturnType<typeof createServices>;
