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
  ])("stops with a message naming %s when it is %j", (variable, value) => {
    expect(() => loadConfig({}, { [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({}, { [variable]: value })).toThrow(new RegExp(`- ${variable} \\(option`));
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

  it("refuses a minimum above the maximum", () => {
    expect(() => loadConfig({ minPasswordLength: 100, maxPasswordLength: 64 }, {})).toThrow(
      /PASSWORD_MIN_LENGTH \(option minPasswordLength\): must not be greater than the maximum length/,
    );
  });
});
