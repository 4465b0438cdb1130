import { describe, expect, it } from "vitest";
import { ConfigError, defaultStyles, loadConfig } from "../../server/config.js";

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    expect(loadConfig({}, {})).toEqual({
      port: 3000,
      databasePath: "./data/app.db",
      loginUrl: "/login",
      invalidateSessions: true,
      sessionCookieName: "session",
      readOnly: false,
      minPasswordLength: 12,
      maxPasswordLength: 128,
      styles: defaultStyles,
    });
  });

  it("reads every option from its environment variable", () => {
    const config = loadConfig(
      {},
      {
        PORT: "8080",
        HOST: "127.0.0.1",
        DATABASE_PATH: "/tmp/x.db",
        PUBLIC_ORIGIN: "https://example.com/ignored/path",
        LOGIN_URL: "/sign-in",
        INVALIDATE_SESSIONS: "false",
        SESSION_COOKIE_NAME: "sid",
        READ_ONLY: "1",
        PASSWORD_MIN_LENGTH: "8",
        PASSWORD_MAX_LENGTH: "64",
        STYLES: '{"buttonColor":"#000"}',
      },
    );
    expect(config).toEqual({
      port: 8080,
      host: "127.0.0.1",
      databasePath: "/tmp/x.db",
      publicOrigin: "https://example.com",
      loginUrl: "/sign-in",
      invalidateSessions: false,
      sessionCookieName: "sid",
      readOnly: true,
      minPasswordLength: 8,
      maxPasswordLength: 64,
      styles: { ...defaultStyles, buttonColor: "#000" },
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
  ])("stops with a message naming %s when it is %j", (variable, value) => {
    expect(() => loadConfig({}, { [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({}, { [variable]: value })).toThrow(new RegExp(`- ${variable} \\(option`));
  });

  it("refuses a minimum above the maximum", () => {
    expect(() => loadConfig({ minPasswordLength: 100, maxPasswordLength: 64 }, {})).toThrow(
      /PASSWORD_MIN_LENGTH \(option minPasswordLength\): must not be greater than the maximum length/,
    );
  });
});
