import { describe, expect, it } from "vitest";
import { ConfigError, defaultDarkStyles, defaultStyles, loadConfig } from "../../server/config.js";

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    expect(loadConfig({}, {})).toEqual({
      port: 3000,
      databasePath: "./data/app.db",
      databasePoolMax: 10,
      databaseStatementTimeoutMs: 5000,
      loginUrl: "/login",
      invalidateSessions: true,
      signOutOtherDevicesChoice: false,
      sessionCookieName: "session",
      deviceCookieName: "device",
      readOnly: false,
      minPasswordLength: 12,
      maxPasswordLength: 128,
      styles: defaultStyles,
      darkStyles: defaultDarkStyles,
      maxBodyBytes: 8192,
      rateLimitAccountAttempts: 5,
      rateLimitIpAttempts: 100,
      rateLimitAccountDailyAttempts: 100,
      rateLimitRegisterAttempts: 10,
      rateLimitWindowSeconds: 900,
      rateLimitResetAttempts: 3,
      rateLimitResetIpAttempts: 10,
      requestTimeoutSeconds: 30,
      headersTimeoutSeconds: 10,
      keepAliveTimeoutSeconds: 5,
      shutdownTimeoutSeconds: 30,
      maxConnections: 1000,
      trustProxy: false,
      logLevel: "info",
      afterPasswordChange: "sign-in-again",
      passwordChangedUrl: "/private/password-changed",
      mailFrom: "Change Password Demo <no-reply@localhost>",
      webConcurrency: 1,
      hashQueueLimit: 48,
    });
  });

  it("reads every option from its environment variable", () => {
    const config = loadConfig(
      {},
      {
        PORT: "8080",
        HOST: "127.0.0.1",
        DATABASE_PATH: "/tmp/x.db",
        DATABASE_URL: "postgres://app:secret@db.internal:5432/accounts",
        DATABASE_POOL_MAX: "20",
        DATABASE_STATEMENT_TIMEOUT_MS: "2500",
        PUBLIC_ORIGIN: "https://example.com/ignored/path",
        LOGIN_URL: "/sign-in",
        INVALIDATE_SESSIONS: "false",
        SIGN_OUT_OTHER_DEVICES_CHOICE: "true",
        SESSION_COOKIE_NAME: "sid",
        DEVICE_COOKIE_NAME: "dev",
        READ_ONLY: "1",
        PASSWORD_MIN_LENGTH: "8",
        PASSWORD_MAX_LENGTH: "64",
        STYLES: '{"buttonColor":"#000"}',
        DARK_STYLES: '{"textColor":"#fff"}',
        SECRET: "s".repeat(32),
        MAX_BODY_BYTES: "4096",
        RATE_LIMIT_ACCOUNT_ATTEMPTS: "3",
        RATE_LIMIT_IP_ATTEMPTS: "30",
        RATE_LIMIT_ACCOUNT_DAILY_ATTEMPTS: "50",
        RATE_LIMIT_REGISTER_ATTEMPTS: "4",
        RATE_LIMIT_WINDOW_SECONDS: "600",
        RATE_LIMIT_RESET_ATTEMPTS: "2",
        RATE_LIMIT_RESET_IP_ATTEMPTS: "40",
        REQUEST_TIMEOUT_SECONDS: "20",
        HEADERS_TIMEOUT_SECONDS: "15",
        KEEP_ALIVE_TIMEOUT_SECONDS: "3",
        SHUTDOWN_TIMEOUT_SECONDS: "0",
        MAX_CONNECTIONS: "200",
        TRUST_PROXY: "yes",
        LOG_LEVEL: "warn",
        AFTER_PASSWORD_CHANGE: "stay-signed-in",
        PASSWORD_CHANGED_URL: "/done",
        SMTP_URL: "smtp://user:pass@mail.example:2525",
        MAIL_FROM: "Security <security@example.com>",
        WEB_CONCURRENCY: "2",
        HASH_CONCURRENCY: "4",
        HASH_QUEUE_LIMIT: "100",
      },
    );
    expect(config).toEqual({
      port: 8080,
      host: "127.0.0.1",
      databasePath: "/tmp/x.db",
      databaseUrl: "postgres://app:secret@db.internal:5432/accounts",
      databasePoolMax: 20,
      databaseStatementTimeoutMs: 2500,
      publicOrigin: "https://example.com",
      loginUrl: "/sign-in",
      invalidateSessions: false,
      signOutOtherDevicesChoice: true,
      sessionCookieName: "sid",
      deviceCookieName: "dev",
      readOnly: true,
      minPasswordLength: 8,
      maxPasswordLength: 64,
      styles: { ...defaultStyles, buttonColor: "#000" },
      darkStyles: { ...defaultDarkStyles, textColor: "#fff" },
      secret: "s".repeat(32),
      maxBodyBytes: 4096,
      rateLimitAccountAttempts: 3,
      rateLimitIpAttempts: 30,
      rateLimitAccountDailyAttempts: 50,
      rateLimitRegisterAttempts: 4,
      rateLimitWindowSeconds: 600,
      rateLimitResetAttempts: 2,
      rateLimitResetIpAttempts: 40,
      requestTimeoutSeconds: 20,
      headersTimeoutSeconds: 15,
      keepAliveTimeoutSeconds: 3,
      shutdownTimeoutSeconds: 0,
      maxConnections: 200,
      trustProxy: true,
      logLevel: "warn",
      afterPasswordChange: "stay-signed-in",
      passwordChangedUrl: "/done",
      smtpUrl: "smtp://user:pass@mail.example:2525",
      mailFrom: "Security <security@example.com>",
      webConcurrency: 2,
      hashConcurrency: 4,
      hashQueueLimit: 100,
    });
  });

  it("uses STYLES alone for both colour schemes; DARK_STYLES, even {}, brings the dark palette back", () => {
    const seed = '{"buttonColor":"#419EF8","linkColor":"#419EF8","errorTextColor":"red"}';
    const seedOnly = loadConfig({}, { STYLES: seed });
    expect(seedOnly.styles).toEqual({ ...defaultStyles, buttonColor: "#419EF8", linkColor: "#419EF8", errorTextColor: "red" });
    expect(seedOnly.darkStyles).toBeNull();
    expect(loadConfig({}, { STYLES: seed, DARK_STYLES: "{}" }).darkStyles).toEqual(defaultDarkStyles);
    expect(loadConfig({}, { DARK_STYLES: '{"buttonColor":"gold"}' })).toMatchObject({
      styles: defaultStyles,
      darkStyles: { ...defaultDarkStyles, buttonColor: "gold" },
    });
    expect(loadConfig({ styles: { textColor: "navy" } }, {}).darkStyles).toBeNull();
  });

  it("lets factory options win over the environment", () => {
    expect(loadConfig({ minPasswordLength: 20 }, { PASSWORD_MIN_LENGTH: "8" }).minPasswordLength).toBe(20);
  });

  it.each([
    ["PASSWORD_MIN_LENGTH", "twelve"],
    ["PORT", "70000"],
    ["READ_ONLY", "maybe"],
    ["LOGIN_URL", "//evil.example"],
    ["PUBLIC_ORIGIN", "ftp://example.com"],
    ["SESSION_COOKIE_NAME", "bad name;"],
    ["STYLES", '{"buttonColor":"red;}</style><script>"}'],
    ["STYLES", '{"notAColour":"red"}'],
    ["SECRET", "too short"],
    ["MAX_BODY_BYTES", "10"],
    ["LOG_LEVEL", "loud"],
    ["AFTER_PASSWORD_CHANGE", "stay"],
    ["PASSWORD_CHANGED_URL", "https://evil.example"],
    ["SMTP_URL", "http://mail.example"],
    ["RATE_LIMIT_ACCOUNT_ATTEMPTS", "500"],
    ["RATE_LIMIT_ACCOUNT_DAILY_ATTEMPTS", "101"],
    ["RATE_LIMIT_REGISTER_ATTEMPTS", "0"],
    ["DEVICE_COOKIE_NAME", "session"],
    ["REQUEST_TIMEOUT_SECONDS", "0"],
    ["HEADERS_TIMEOUT_SECONDS", "1.5"],
    ["KEEP_ALIVE_TIMEOUT_SECONDS", "0"],
    ["SHUTDOWN_TIMEOUT_SECONDS", "-1"],
    ["SHUTDOWN_TIMEOUT_SECONDS", "soon"],
    ["MAX_CONNECTIONS", "unlimited"],
    ["MAX_CONNECTIONS", "0"],
  ])("stops with a one-line message naming %s when it is %j", (variable, value) => {
    expect(() => loadConfig({}, { [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({}, { [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} \\(option [^\n]+$`));
  });

  it("says what a boolean, a number or a JSON value should look like", () => {
    expect(() => loadConfig({}, { TRUST_PROXY: "sure" })).toThrow(
      'Invalid configuration: TRUST_PROXY (option trustProxy): must be one of true/false, 1/0, yes/no, on/off, not "sure"',
    );
    expect(() => loadConfig({}, { PORT: "80a" })).toThrow('Invalid configuration: PORT (option port): must be a whole number, not "80a"');
    expect(() => loadConfig({}, { DARK_STYLES: "[]" })).toThrow(
      'Invalid configuration: DARK_STYLES (option darkStyles): must be a JSON object such as {"buttonColor":"#1565C0"}',
    );
    expect(() => loadConfig({}, { STYLES: "{'buttonColor': 'red'}" })).toThrow(/STYLES \(option styles\): must be a JSON object .*; it is not valid JSON/);
  });

  it("ignores a variable that an option given to the factory replaces, even when it could not be read", () => {
    expect(loadConfig({ readOnly: true }, { READ_ONLY: "maybe" }).readOnly).toBe(true);
  });

  it("refuses limits that allow more than 100 failed attempts per account per hour (ASVS)", () => {
    expect(() => loadConfig({ rateLimitAccountAttempts: 30, rateLimitWindowSeconds: 900 }, {})).toThrow(
      /RATE_LIMIT_ACCOUNT_ATTEMPTS \(option rateLimitAccountAttempts\): allows more than 100/,
    );
    expect(() => loadConfig({ rateLimitAccountDailyAttempts: 101 }, {})).toThrow(
      /RATE_LIMIT_ACCOUNT_DAILY_ATTEMPTS \(option rateLimitAccountDailyAttempts\): allows more than 100/,
    );
  });

  it("refuses a headers timeout longer than the request timeout (Node would refuse to start)", () => {
    expect(() => loadConfig({}, { REQUEST_TIMEOUT_SECONDS: "5", HEADERS_TIMEOUT_SECONDS: "10" })).toThrow(
      /HEADERS_TIMEOUT_SECONDS \(option headersTimeoutSeconds\): must not be greater than the request timeout/,
    );
  });

  it("refuses a maximum below the minimum, naming both", () => {
    expect(() => loadConfig({ minPasswordLength: 100, maxPasswordLength: 64 }, {})).toThrow(
      "Invalid configuration: PASSWORD_MAX_LENGTH (option maxPasswordLength): 64 is less than the minimum length, 100 (PASSWORD_MIN_LENGTH); raise it or lower the minimum",
    );
  });

  it("blames only PASSWORD_MAX_LENGTH when it is below its own lower bound", () => {
    expect(() => loadConfig({}, { PASSWORD_MAX_LENGTH: "6" })).toThrow(
      /^Invalid configuration: PASSWORD_MAX_LENGTH \(option maxPasswordLength\): must be at least 8$/,
    );
  });
});
