import { randomBytes } from "node:crypto";
import { createAuthEventQueries } from "../db/auth-events.js";
import type { Db } from "../db/database.js";
import { createSettingQueries } from "../db/settings.js";
import { createUserQueries } from "../db/users.js";
import { createAuthEvents } from "./auth/events.js";
import { createFormTokens } from "./auth/form-token.js";
import { passwordHasher } from "./auth/passwords.js";
import { createSessionService } from "./auth/sessions.js";
import { createThrottle } from "./auth/throttle.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

/** What the tRPC procedures and the HTTP doors work with, built once per app from its database and config. */
export async function createServices(db: Db, config: Config, logger: Logger) {
  // Generated on first start and kept with the data, so form tokens survive restarts and are the
  // same in every worker process.
  const secret =
    config.secret ?? (await createSettingQueries(db).getOrCreate("form_token_secret", () => randomBytes(32).toString("base64url")));
  return {
    config,
    logger,
    users: createUserQueries(db),
    sessions: createSessionService(db, {
      cookieName: config.sessionCookieName,
      secure: config.publicOrigin?.startsWith("https:") ?? false,
      endSessionsOnPasswordChange: config.invalidateSessions,
    }),
    passwords: passwordHasher,
    throttle: createThrottle(db, {
      accountAttempts: config.rateLimitAccountAttempts,
      ipAttempts: config.rateLimitIpAttempts,
      windowSeconds: config.rateLimitWindowSeconds,
    }),
    events: createAuthEvents(createAuthEventQueries(db), logger),
    formTokens: createFormTokens(secret),
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
