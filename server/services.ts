import { randomBytes } from "node:crypto";
import type { Transporter } from "nodemailer";
import { createAuthEventQueries } from "../db/auth-events.js";
import type { Db } from "../db/database.js";
import { createOutboxQueries } from "../db/outbox.js";
import { createSettingQueries } from "../db/settings.js";
import { createUserQueries } from "../db/users.js";
import { createAuthEvents } from "./auth/events.js";
import { createFormTokens } from "./auth/form-token.js";
import { createPasswordHasher } from "./auth/passwords.js";
import { createSessionService } from "./auth/sessions.js";
import { createThrottle } from "./auth/throttle.js";
import { usesHttps, type Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createNotifier, smtpTransport, type Notifier } from "./notify/notifier.js";

export type ServiceOverrides = {
  /** Replaces the default notifier (outbox + log + e-mail when configured). */
  notifier?: Notifier;
  /** A nodemailer transport for the default notifier; by default one for SMTP_URL, when set. */
  mailTransport?: Transporter;
};

/** What the tRPC procedures and the HTTP doors work with, built once per app from its database and config. */
export async function createServices(db: Db, config: Config, logger: Logger, overrides: ServiceOverrides = {}) {
  // Generated on first start and kept with the data, so form tokens survive restarts and are the
  // same in every worker process.
  const secret =
    config.secret ?? (await createSettingQueries(db).getOrCreate("form_token_secret", () => randomBytes(32).toString("base64url")));
  const transport = overrides.mailTransport ?? (config.smtpUrl ? await smtpTransport(config.smtpUrl) : undefined);
  const notifier =
    overrides.notifier ?? createNotifier({ outbox: createOutboxQueries(db), logger, from: config.mailFrom, transport });
  return {
    config,
    notifier,
    users: createUserQueries(db),
    sessions: createSessionService(db, {
      cookieName: config.sessionCookieName,
      secure: usesHttps(config),
      endSessionsOnPasswordChange: config.invalidateSessions,
    }),
    passwords: createPasswordHasher(config.hashConcurrency),
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
