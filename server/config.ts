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

const stylesSchema = z.strictObject(
  Object.fromEntries(Object.keys(defaultStyles).map((key) => [key, cssValue.optional()])) as {
    [K in keyof typeof defaultStyles]: z.ZodOptional<typeof cssValue>;
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown colour name ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}; the names are ${Object.keys(defaultStyles).join(", ")}`
        : undefined,
  },
);

const sameSitePath = z
  .string()
  .regex(/^\/(?![/\\])[^\s]*$/, "must be a path on this site, starting with a single /");

/**
 * Paths this app answers with pages or endpoints of its own, and folders it serves. LOGIN_URL
 * cannot be one of them: the sign-in page answers at LOGIN_URL (app/routes/$.tsx) only where
 * nothing else does.
 */
const ownPaths = ["/", "/register", "/logout", "/private/change-password", "/private/password-changed", "/healthz", "/readyz", "/.well-known/change-password"];
const ownFolders = ["/trpc", "/build"];

function isOwnPath(url: string): boolean {
  const path = (url.replace(/[?#].*$/, "").replace(/\/+$/, "") || "/").toLowerCase();
  return ownPaths.includes(path) || ownFolders.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

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
    /** The app's own sign-in page answers here (any path of its own but the ones above). */
    loginUrl: sameSitePath
      .refine((url) => !isOwnPath(url), "is the path of another page of this app; choose a free one such as /signin")
      .default("/login"),
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
    maxPasswordLength: z.number().int().min(8, "must be at least 8").max(1024).default(128),
    /** Resolved with darkStyles below (`colourSchemes`). */
    styles: stylesSchema.optional(),
    darkStyles: stylesSchema.optional(),
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
    /** Password-reset links asked for per account (username or e-mail address as typed) per 30 minutes, the life of a link. */
    rateLimitResetAttempts: z.number().int().min(1).max(1000).default(3),
    /** Password-reset links asked for per IP address per 30 minutes, over all accounts. */
    rateLimitResetIpAttempts: z.number().int().min(1).max(100_000).default(10),
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
  // Blamed on the maximum: the minimum has a default (12), so a maximum set below it is the usual
  // mistake; the message names both. Skipped when either length is already wrong on its own.
  .refine((config) => config.minPasswordLength <= config.maxPasswordLength, {
    path: ["maxPasswordLength"],
    error: (issue) => {
      const { minPasswordLength, maxPasswordLength } = issue.input as { minPasswordLength: number; maxPasswordLength: number };
      return `${maxPasswordLength} is less than the minimum length, ${minPasswordLength} (PASSWORD_MIN_LENGTH); raise it or lower the minimum`;
    },
    when: (payload) => !payload.issues.some((issue) => ["minPasswordLength", "maxPasswordLength"].includes(String(issue.path?.[0]))),
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
  })
  .transform(({ styles, darkStyles, ...config }) => ({ ...config, ...colourSchemes(styles, darkStyles) }));

type StyleOptions = Partial<typeof defaultStyles>;

/**
 * The light palette, and the dark one or null for none. With neither option, both defaults. STYLES
 * alone is the one palette for every visitor, whatever their system prefers: the seed had no dark
 * scheme, and colours an operator chose must come out as chosen (the seed's own, exactly, among
 * them). DARK_STYLES, even `{}`, adds the dark palette: the dark defaults with its colours on top.
 */
function colourSchemes(styles: StyleOptions | undefined, darkStyles: StyleOptions | undefined) {
  return {
    styles: { ...defaultStyles, ...styles },
    darkStyles: darkStyles ? { ...defaultDarkStyles, ...darkStyles } : styles ? null : defaultDarkStyles,
  };
}

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
  styles: ["STYLES", toJsonObject],
  darkStyles: ["DARK_STYLES", toJsonObject],
  secret: ["SECRET", String],
  maxBodyBytes: ["MAX_BODY_BYTES", toNumber],
  rateLimitAccountAttempts: ["RATE_LIMIT_ACCOUNT_ATTEMPTS", toNumber],
  rateLimitIpAttempts: ["RATE_LIMIT_IP_ATTEMPTS", toNumber],
  rateLimitAccountDailyAttempts: ["RATE_LIMIT_ACCOUNT_DAILY_ATTEMPTS", toNumber],
  rateLimitRegisterAttempts: ["RATE_LIMIT_REGISTER_ATTEMPTS", toNumber],
  rateLimitWindowSeconds: ["RATE_LIMIT_WINDOW_SECONDS", toNumber],
  rateLimitResetAttempts: ["RATE_LIMIT_RESET_ATTEMPTS", toNumber],
  rateLimitResetIpAttempts: ["RATE_LIMIT_RESET_IP_ATTEMPTS", toNumber],
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

/** Environment text that cannot become a value of its option's type: what it should look like. */
class Unreadable {
  constructor(readonly problem: string) {}
}

/**
 * Options given to the factory win over environment variables, which win over defaults.
 * A bad value throws a ConfigError naming both the variable and the option, on one line (start-up
 * prints it as it is: one line an operator can read in any log).
 */
export function loadConfig(options: ConfigOptions = {}, env: Environment = process.env): Config {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const fromEnv: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [option, [name, parse]] of Object.entries(environment)) {
    const text = env[name];
    if (text === undefined || text === "" || option in defined) continue;
    const value = parse(text);
    if (value instanceof Unreadable) problems.push(`${name} (option ${option}): ${value.problem}`);
    else fromEnv[option] = value;
  }
  const result = configSchema.safeParse({ ...fromEnv, ...defined });
  if (result.success && problems.length === 0) return result.data;
  for (const issue of result.error?.issues ?? []) {
    const option = String(issue.path[0] ?? "");
    const variable = environment[option as OptionName]?.[0];
    const where = variable ? `${variable} (option ${issue.path.join(".")})` : `option ${option || "(root)"}`;
    problems.push(`${where}: ${issue.message}`);
  }
  throw configError(problems);
}

function configError(problems: string[]): ConfigError {
  return new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
}

function toNumber(text: string): unknown {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : new Unreadable(`must be a whole number, not ${JSON.stringify(text)}`);
}

/** Each pair: the word for true, the word for false (any case). */
const booleanWords = [["true", "false"], ["1", "0"], ["yes", "no"], ["on", "off"]] as const;

function toBoolean(text: string): unknown {
  const value = text.trim().toLowerCase();
  if (booleanWords.some(([yes]) => yes === value)) return true;
  if (booleanWords.some(([, no]) => no === value)) return false;
  const accepted = booleanWords.map((pair) => pair.join("/")).join(", ");
  return new Unreadable(`must be one of ${accepted}, not ${JSON.stringify(text)}`);
}

function toJsonObject(text: string): unknown {
  const example = 'a JSON object such as {"buttonColor":"#1565C0"}';
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
    return new Unreadable(`must be ${example}`);
  } catch (error) {
    return new Unreadable(`must be ${example}; it is not valid JSON (${(error as Error).message})`);
  }
}
