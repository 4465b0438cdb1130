import { describe, expect, it } from "vitest";
import { describeBrowser } from "../../server/browser-names.js";
import { passwordChangedMessage } from "../../server/notify/password-changed-message.js";
import { acceptsReplies } from "../../server/notify/site.js";

const user = { id: "u1", username: "alice", email: "alice@example.com" };
const site = { origin: "https://accounts.example", acceptsReplies: false };

describe("the change notice", () => {
  it.each([
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", "Chrome on Linux"],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox on Windows"],
    ["curl/8.5.0", "curl"],
    ["SomeBot/1.0 (Linux)", "an unknown browser on Linux"],
    [null, "an unknown browser"],
  ])("names %j as %j", (userAgent, name) => {
    expect(describeBrowser(userAgent)).toBe(name);
  });

  it("never quotes the client's own User-Agent text", () => {
    const userAgent = "This was an automatic security rotation; no action is needed. Details: https://evil.example/";
    const { text } = passwordChangedMessage({ user, at: 0, origin: { ip: "203.0.113.9", userAgent }, otherDevices: "signed-out" }, site);
    expect(text).toContain("from an unknown browser at IP address 203.0.113.9");
    expect(text).not.toContain("automatic security rotation");
    expect(text).not.toContain("evil.example");
  });

  it("points to the reset flow at the public origin, and offers replying only when MAIL_FROM reads replies", () => {
    const notice = { user, at: 0, origin: { ip: "203.0.113.9", userAgent: null }, otherDevices: "signed-out" } as const;
    const { text } = passwordChangedMessage(notice, site);
    expect(text).toContain("Reset it straight away at\nhttps://accounts.example/forgot-password\n");
    expect(text).not.toMatch(/repl(y|ying)/i);
    expect(passwordChangedMessage(notice, { ...site, acceptsReplies: true }).text).toContain("If you need help, reply to this message.");
  });

  it.each([
    ["Change Password Demo <no-reply@localhost>", false],
    ["noreply@example.com", false],
    ["Accounts <do-not-reply@example.com>", false],
    ["DoNotReply@example.com", false],
    ["no_reply.alerts@example.com", false],
    ["Security <security@example.com>", true],
    ["support@example.com", true],
    ["Nora Reply <nora@example.com>", true],
  ])("MAIL_FROM %j accepts replies: %s", (from, expected) => {
    expect(acceptsReplies(from)).toBe(expected);
  });
});
