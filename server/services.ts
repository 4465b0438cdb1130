import { randomBytes } from "node:crypto";
import type { Store } from "../db/store.js";
import type { AuthDependencies } from "./auth/dependencies.js";
import { createDeviceService } from "./auth/devices.js";
import { createAuthEvents } from "./auth/events.js";
import { createFormTokens } from "./auth/form-token.js";
import { createPasswordHasher, type PasswordHasher } from "./auth/passwords.js";
import { createSessionHandles } from "./auth/session-handles.js";
import { createSessionService } from "./auth/sessions.js";
import { createThrottle } from "./auth/throttle.js";
import { usesHttps, type Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createNotifier, smtpTransport, type MailTransport, type Notifier } from "./notify/notifier.js";
import { resetLinkLifetimeMs } from "./auth/reset-links.js";
import { createPublicOrigin } from "./public-origin.js";

export type ServiceOverrides = {
  /** Replaces the default notifier (outbox written with the change, log, e-mail when configured). */
  notifier?: Notifier;
  /** A nodemailer transport for the default notifier; by default one for SMTP_URL, when set. */
  mailTransport?: MailTransport;
  /**
   * Replaces the Argon2id hasher. Tests pass one with cheap parameters; there is deliberately no
   * environment variable for it, so production always hashes at full strength.
   */
  passwordHasher?: PasswordHasher;
};

/** What the doors work with, built once per app from its store and config. */
export async function createServices(store: Store, config: Config, logger: Logger, overrides: ServiceOverrides = {}) {
  // Generated on first start and kept with the data, so form tokens, device cookies and counter keys
  // survive restarts and are the same in every worker process and every instance.
  const secret =
    config.secret ?? (await store.settings.getOrCreate("form_token_secret", () => randomBytes(32).toString("base64url")));
  const transport = overrides.mailTransport ?? (config.smtpUrl ? await smtpTransport(config.smtpUrl) : undefined);
  const publicOrigin = createPublicOrigin(config);
  const notifier =
    overrides.notifier ?? createNotifier({ outbox: store.outbox, logger, from: config.mailFrom, publicOrigin: publicOrigin.get, transport });
  const auth: AuthDependencies = {
    users: store.users,
    passwordResets: store.passwordResets,
    sessions: createSessionService(store, { cookieName: config.sessionCookieName, secure: usesHttps(config) }),
    sessionHandles: createSessionHandles(secret),
    devices: createDeviceService({ secret, cookieName: config.deviceCookieName, secure: usesHttps(config) }),
    passwords: overrides.passwordHasher ?? createPasswordHasher({ concurrency: config.hashConcurrency, queueLimit: config.hashQueueLimit }),
    throttle: createThrottle(
      store.driver,
      {
        consecutiveAttempts: config.rateLimitAccountAttempts,
        windowSeconds: config.rateLimitWindowSeconds,
        ipDailyAttempts: config.rateLimitIpAttempts,
        accountDailyAttempts: config.rateLimitAccountDailyAttempts,
        registerAttempts: config.rateLimitRegisterAttempts,
        resetAttempts: config.rateLimitResetAttempts,
        resetIpAttempts: config.rateLimitResetIpAttempts,
        resetWindowSeconds: resetLinkLifetimeMs / 1000,
      },
      secret,
    ),
    events: createAuthEvents(store.authEvents, logger),
    notifier,
    rules: config,
    now: Date.now,
  };
  return {
    config,
    auth,
    formTokens: createFormTokens(secret),
    /** Where links in e-mails point; `app.listen()` tells it the address when PUBLIC_ORIGIN is unset. */
    publicOrigin,
    /** Stops the outbox sender once the e-mails under way have been sent or have failed (a graceful shutdown). */
    stopDeliveries: () => notifier.close(),
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
