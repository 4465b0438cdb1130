import { describe, expect, it } from "vitest";
import { describeBrowser, passwordChangedMessage } from "../../server/notify/password-changed-message.js";

const user = { id: "u1", username: "alice", email: "alice@example.com" };

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
    const { text } = passwordChangedMessage({ user, at: 0, origin: { ip: "203.0.113.9", userAgent }, otherDevices: "signed-out" });
    expect(text).toContain("from an unknown browser at IP address 203.0.113.9");
    expect(text).not.toContain("automatic security rotation");
    expect(text).not.toContain("evil.example");
  });
});
