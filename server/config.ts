import { z } from "zod";

/**
 * The seed's eight colours (piccolo_api `Styles`), each a CSS value, except that its blue and red
 * are darkened to reach WCAG AA contrast (the seed's #419EF8 on white is 2.9:1, "red" 4:1).
 */
export const defaultStyles = {
  backgroundColor: "#EEF2F5",
  foregroundColor: "white",
  textColor: "black",
  errorTextColor: "#C62828",
  buttonColor: "#1565C0",
  buttonTextColor: "white",
  linkColor: "#1565C0",
  borderColor: "rgba(0, 0, 0, 0.2)",
};

/** The same eight colours when the visitor's system prefers a dark scheme. */
export const defaultDarkStyles: typeof defaultStyles = {
  backgroundColor: "#121417",
  foregroundColor: "#1E2227",
  textColor: "#E8EAED",
  errorTextColor: "#FF8A80",
  buttonColor: "#8AB4F8",
  buttonTextColor: "#0B1A2E",
  linkColor: "#8AB4F8",
  borderColor: "rgba(255, 255, 255, 0.25)",
};

// A colour lands inside a <style> element: refuse anything that could end the declaration or the element.
const cssValue = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^<>;{}\\"']+$/, "must be a plain CSS value (no < > ; { } \\ or quotes)");

const stylesSchema = z
  .object(Object.fromEntries(Object.keys(defaultStyles).map((key) => [key, cssValue.optional()])) as {
    [K in keyof typeof defaultStyles]: z.ZodOptional<typeof cssValue>;
  })
  .strict();

const sameSitePath = z
  .string()
  .regex(/^\/(?![/\\])[^\s]*$/, "must be a path on this site, starting with a single /");

export const configSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(3000),
    /** Unset: every interface (Node's default), so http://localhost works over IPv4 and IPv6. */
    host: z.string().min(1).optional(),
    databasePath: z.string().min(1).default("./data/app.db"),
    /**
     * postgres://user:password@host:port/database selects PostgreSQL (several instances on one
     * database); unset, the app keeps its SQLite file at `databasePath`.
     */
    databaseUrl: z
      .url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" })
      .optional(),
    /**
     * PostgreSQL connections per process. Size it so that instances × WEB_CONCURRENCY × this stays
     * below the server's max_connections (100 by default), leaving room for administration.
     */
    databasePoolMax: z.number().int().min(1).max(1000).default(10),
    /**
     * PostgreSQL: the longest a statement may run, or a connection may take to open, before the
     * request is answered 503 with Retry-After instead of waiting on.
     */
    databaseStatementTimeoutMs: z.number().int().min(100).max(600_000).default(5000),
    /** Unset: the request's own host is the origin (http). */
    publicOrigin: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://example.com" })
      .transform((url) => new URL(url).origin)
      .optional(),
    loginUrl: sameSitePath.default("/login"),
    invalidateSessions: z.boolean().default(true),
    /**
     * Offer "Sign out of all other devices" on the change form (GitHub's way), so the owner decides
     * per change; its default is `invalidateSessions`. Off: `invalidateSessions` alone decides.
     */
    signOutOtherDevicesChoice: z.boolean().default(false),
    sessionCookieName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -")
      .default("session"),
    /** The OWASP device cookie: proof that this browser signed in to an account before (server/auth/devices.ts). */
    deviceCookieName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -")
      .default("device"),
    readOnly: z.boolean().default(false),
    minPasswordLength: z.number().int().min(1).max(128).default(12),
    maxPasswordLength: z.number().int().min(8).max(1024).default(128),
    styles: stylesSchema.default({}).transform((styles) => ({ ...defaultStyles, ...styles })),
    darkStyles: stylesSchema.default({}).transform((styles) => ({ ...defaultDarkStyles, ...styles })),
    /** Signs the no-JavaScript forms' CSRF tokens. Unset: generated on first start and kept in the database. */
    secret: z.string().min(32, "must be at least 32 characters").optional(),
    /** Request bodies larger than this are refused with 413 before they are read further. */
    maxBodyBytes: z.number().int().min(1024).max(1_048_576).default(8192),
    /** Consecutive failed password checks per account and IP address, per known device, per session, in a window. */
    rateLimitAccountAttempts: z.number().int().min(1).max(100).default(5),
    /** Failed password checks per IP address per day (devices known to the account are not counted). */
    rateLimitIpAttempts: z.number().int().min(1).max(100_000).default(100),
    /**
     * Failed password checks per account per day from devices not known to it, whatever their address.
     * At most 100, so that even all of them in one hour keep ASVS's 100 per account per hour.
     */
    rateLimitAccountDailyAttempts: z
      .number()
      .int()
      .min(1)
      .max(100, "allows more than 100 failed attempts per account in an hour (they may all come in one); at most 100")
      .default(100),
    /** Registration attempts per IP address per window (each one that reaches the uniqueness check). */
    rateLimitRegisterAttempts: z.number().int().min(1).max(100_000).default(10),
    rateLimitWindowSeconds: z.number().int().min(60).max(86_400).default(900),
    /**
     * Slow clients (Slowloris): seconds a client may take to send a whole request, headers and
     * body; slower ones get 408 and the connection is closed. Node's own default is 300 s.
     */
    requestTimeoutSeconds: z.number().int().min(1).max(3600).default(30),
    /** Seconds a client may take to send its request line and headers (408 after that). */
    headersTimeoutSeconds: z.number().int().min(1).max(3600).default(10),
    /** Seconds an idle keep-alive connection stays open between two requests. */
    keepAliveTimeoutSeconds: z.number().int().min(1).max(3600).default(5),
    /**
     * On SIGTERM or SIGINT: seconds the requests in flight get to finish (no new connections are
     * taken meanwhile); whatever is still open then is closed. 0: close everything at once.
     */
    shutdownTimeoutSeconds: z.number().int().min(0).max(3600).default(30),
    /** Open connections per process; further ones are closed as they arrive, so open files stay bounded. */
    maxConnections: z.number().int().min(1).max(1_000_000).default(1000),
    /** Take the client's IP address from X-Forwarded-For (only behind a proxy that sets it). */
    trustProxy: z.boolean().default(false),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** After a change: sign in again everywhere (the seed), or keep this device signed in with a fresh session. */
    afterPasswordChange: z.enum(["sign-in-again", "stay-signed-in"]).default("sign-in-again"),
    /** Where `stay-signed-in` sends the user after a change. */
    passwordChangedUrl: sameSitePath.default("/private/password-changed"),
    /** smtp(s)://user:pass@host:port: send the change notification by e-mail (otherwise outbox and log only). */
    smtpUrl: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
    mailFrom: z.string().min(3).max(200).default("Change Password Demo <no-reply@localhost>"),
    /** Worker processes sharing the port and the database (on SQLite: the one file, in WAL mode). */
    webConcurrency: z.number().int().min(1).max(64).default(1),
    /** Password hashes computed at once per process on libuv's thread pool; unset, the number of cores plus one. */
    hashConcurrency: z.number().int().min(1).max(64).optional(),
    /** Hashes that may wait for a slot; past it, new password work gets 503 with Retry-After. */
    hashQueueLimit: z.number().int().min(1).max(10_000).default(48),
  })
  .strict()
  .refine((config) => config.minPasswordLength <= config.maxPasswordLength, {
    path: ["minPasswordLength"],
    message: "must not be greater than the maximum length",
  })
  .refine((config) => config.deviceCookieName !== config.sessionCookieName, {
    path: ["deviceCookieName"],
    message: "must differ from the session cookie's name",
  })
  // Node's http server refuses to start otherwise: the headers are part of the request.
  .refine((config) => config.headersTimeoutSeconds <= config.requestTimeoutSeconds, {
    path: ["headersTimeoutSeconds"],
    message: "must not be greater than the request timeout (REQUEST_TIMEOUT_SECONDS)",
  })
  // ASVS: never more than 100 failed attempts per account per hour.
  .refine((config) => (config.rateLimitAccountAttempts * 3600) / config.rateLimitWindowSeconds <= 100, {
    path: ["rateLimitAccountAttempts"],
    message: "allows more than 100 failed attempts per hour; lower it or lengthen the window",
  });

export type Config = z.output<typeof configSchema>;

/** Cookies get `Secure` when the app is served over https (known only from PUBLIC_ORIGIN). */
export function usesHttps(config: Pick<Config, "publicOrigin">): boolean {
  return config.publicOrigin?.startsWith("https:") ?? false;
}
export type ConfigOptions = z.input<typeof configSchema>;
export type Styles = Config["styles"];

type OptionName = keyof ConfigOptions;

/** Each option's environment variable and how its text becomes a value. */
const environment: { [K in OptionName]-?: [name: string, parse: (text: string) => unknown] } = {
  port: ["PORT", toNumber],
  host: ["HOST", String],
  databasePath: ["DATABASE_PATH", String],
  databaseUrl: ["DATABASE_URL", String],
  databasePoolMax: ["DATABASE_POOL_MAX", toNumber],
  databaseStatementTimeoutMs: ["DATABASE_STATEMENT_TIMEOUT_MS", toNumber],
  publicOrigin: ["PUBLIC_ORIGIN", String],
  loginUrl: ["LOGIN_URL", String],
  invalidateSessions: ["INVALIDATE_SESSIONS", toBoolean],
  signOutOtherDevicesChoice: ["SIGN_OUT_OTHER_DEVICES_CHOICE", toBoolean],
  sessionCookieName: ["SESSION_COOKIE_NAME", String],
  deviceCookieName: ["DEVICE_COOKIE_NAME", String],
  readOnly: ["READ_ONLY", toBoolean],
  minPasswordLength: ["PASSWORD_MIN_LENGTH", toNumber],
  maxPasswordLength: ["PASSWORD_MAX_LENGTH", toNumber],
  styles: ["STYLES", toJson],
  darkStyles: ["DARK_STYLES", toJson],
  secret: ["SECRET", String],
  maxBodyBytes: ["MAX_BODY_BYTES", toNumber],
  rateLimitAccountAttempts: ["RATE_LIMIT_ACCOUNT_ATTEMPTS", toNumber],
  rateLimitIpAttempts: ["RATE_LIMIT_IP_ATTEMPTS", toNumber],
  rateLimitAccountDailyAttempts: ["RATE_LIMIT_ACCOUNT_DAILY_ATTEMPTS", toNumber],
  rateLimitRegisterAttempts: ["RATE_LIMIT_REGISTER_ATTEMPTS", toNumber],
  rateLimitWindowSeconds: ["RATE_LIMIT_WINDOW_SECONDS", toNumber],
  requestTimeoutSeconds: ["REQUEST_TIMEOUT_SECONDS", toNumber],
  headersTimeoutSeconds: ["HEADERS_TIMEOUT_SECONDS", toNumber],
  keepAliveTimeoutSeconds: ["KEEP_ALIVE_TIMEOUT_SECONDS", toNumber],
  shutdownTimeoutSeconds: ["SHUTDOWN_TIMEOUT_SECONDS", toNumber],
  maxConnections: ["MAX_CONNECTIONS", toNumber],
  trustProxy: ["TRUST_PROXY", toBoolean],
  logLevel: ["LOG_LEVEL", String],
  afterPasswordChange: ["AFTER_PASSWORD_CHANGE", String],
  passwordChangedUrl: ["PASSWORD_CHANGED_URL", String],
  smtpUrl: ["SMTP_URL", String],
  mailFrom: ["MAIL_FROM", String],
  webConcurrency: ["WEB_CONCURRENCY", toNumber],
  hashConcurrency: ["HASH_CONCURRENCY", toNumber],
  hashQueueLimit: ["HASH_QUEUE_LIMIT", toNumber],
};

/** Environment variables by name; `process.env` in production, a plain object in tests. */
export type Environment = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Options given to the factory win over environment variables, which win over defaults.
 * A bad value throws a ConfigError naming both the variable and the option.
 */
export function loadConfig(options: ConfigOptions = {}, env: Environment = process.env): Config {
  const fromEnv: Record<string, unknown> = {};
  for (const [option, [name, parse]] of Object.entries(environment)) {
    const text = env[name];
    if (text !== undefined && text !== "") fromEnv[option] = parse(text);
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const result = configSchema.safeParse({ ...fromEnv, ...defined });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const option = String(issue.path[0] ?? "");
    const variable = environment[option as OptionName]?.[0];
    const where = variable ? `${variable} (option ${issue.path.join(".")})` : `option ${option || "(root)"}`;
    return `- ${where}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
}

function toNumber(text: string): unknown {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : text;
}

function toBoolean(text: string): unknown {
  const value = text.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  return text;
}

function toJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
