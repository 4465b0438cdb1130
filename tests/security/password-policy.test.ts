import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureCatalogue } from "../../server/auth/failures.js";
import { checkNewPassword } from "../../server/auth/password-policy.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { doors, pageErrorMessage, uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";

const limits = { minPasswordLength: 12, maxPasswordLength: 128 };

describe("the policy, as a function", () => {
  it.each([
    ["qwerty123456", failureCatalogue.common_password.message],
    ["QWERTY123456", failureCatalogue.common_password.message],
    ["1q2w3e4r5t6y", failureCatalogue.common_password.message],
    ["a\u0000bcdefghijklm", failureCatalogue.invalid_characters.message],
    ["tab\tinside password", failureCatalogue.invalid_characters.message],
    ["lone \ud800 surrogate!", failureCatalogue.invalid_characters.message],
    ["lone \udfff low surrogate", failureCatalogue.invalid_characters.message],
  ])("refuses %j", (password, message) => {
    expect(checkNewPassword(password, { limits })?.message).toBe(message);
  });

  it.each([
    "my password is a long sentence",
    "correct horse battery staple",
    "🔑🌵🎻🐙🚲🍋🧭🪁🦉🌋🎲🧩",
    "  spaces around and inside  ",
    "👩‍👩‍👧‍👦 family of four 👨‍👨‍👦",
    "e\u0301e\u0301 accents typed apart",
    "ＦＵＬＬＷＩＤＴＨ　ｌｅｔｔｅｒｓ",
    "日本語のパスワードですよね",
  ])("accepts %j (printable characters, spaces and emoji included)", (password) => {
    expect(checkNewPassword(password, { limits })).toBeNull();
  });

  it.each([
    ["a listed word, repeated", "password password password"],
    ["one emoji, repeated", "😀".repeat(12)],
    ["a repeated letter", "a".repeat(12)],
    ["a common password with more digits", "password123456"],
    ["a keyboard row", "qwertyuiopasdf"],
  ])("refuses %s as too guessable, saying what to do (zxcvbn, score under 3)", (_name, password) => {
    const failure = checkNewPassword(password, { limits });
    expect(failure?.reason).toBe("too_guessable");
    expect(failure?.message).toMatch(/^This password is too easy to guess\. .*Add another word or two\. Uncommon words are better\./);
  });

  it("refuses the username with a few digits, which zxcvbn alone would accept", () => {
    expect(checkNewPassword("quillhaven2024", { limits })).toBeNull();
    expect(checkNewPassword("quillhaven2024", { limits, username: "quillhaven" })?.reason).toBe("too_guessable");
  });

  it.each([
    ["12 spaces", " ".repeat(12)],
    ["12 zero-width spaces", "\u200b".repeat(12)],
    ["12 byte-order marks", "\ufeff".repeat(12)],
    ["12 line separators", "\u2028".repeat(12)],
    ["12 ideographic spaces", "\u3000".repeat(12)],
    ["12 combining acute accents", "\u0301".repeat(12)],
    ["12 private-use characters", "\ue000".repeat(12)],
  ])("refuses a password with nothing visible: %s", (_name, password) => {
    expect(checkNewPassword(password, { limits })?.reason).toBe("no_visible_character");
  });

  it.each([
    ["a noncharacter", "visible text\uffff!"],
    ["another noncharacter", "visible text\ufdd0!"],
    ["an unassigned code point", "visible text\u{2fffe}!"],
    ["an unassigned BMP code point", "visible text\u0378!"],
  ])("refuses %s anywhere in the password", (_name, password) => {
    expect(checkNewPassword(password, { limits })?.reason).toBe("invalid_characters");
  });

  it("counts length after NFKC: a ligature-free equivalent decides", () => {
    // "ﬁ" (U+FB01) is one code point that NFKC turns into "fi": 11 typed, 12 after NFKC.
    expect(checkNewPassword("ﬁ234567890a", { limits })).toBeNull();
    expect(checkNewPassword("1234567890a", { limits })?.reason).toBe("too_short");
  });

  it("refuses the username, the email (any case) and the current password, each with its own reason", () => {
    const context = { limits, username: "alice_the_great", email: "alice@example.com", currentPassword: "current one 12" };
    expect(checkNewPassword("ALICE_the_great", context)?.reason).toBe("same_as_username");
    expect(checkNewPassword("Alice@Example.com", context)?.reason).toBe("same_as_email");
    expect(checkNewPassword("current one 12", context)?.reason).toBe("same_as_current");
    expect(checkNewPassword("current one 12", context)?.message).toBe(failureCatalogue.same_as_current.message);
  });

  it("refuses a password over the byte cap before normalising it", () => {
    expect(checkNewPassword("a".repeat(513), { limits })?.reason).toBe("too_long");
    expect(checkNewPassword("a".repeat(1_000_000), { limits })?.reason).toBe("too_long");
  });
});

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const password = "original password 1";

const guessable =
  "This password is too easy to guess. This is similar to a commonly used password. Add another word or two. Uncommon words are better.";

describe.each(doors)("the policy through the $name door", (door) => {
  it.each([
    ["a common password", "qwerty123456", failureCatalogue.common_password.message],
    ["a guessable password", "password123456", guessable],
    ["the current password", password, failureCatalogue.same_as_current.message],
    ["a lone surrogate", "lone \ud800 surrogate!", failureCatalogue.invalid_characters.message],
    ["a NUL byte", "with\u0000nul byte inside", failureCatalogue.invalid_characters.message],
  ])("refuses %s with 422 and its own message", async (_name, newPassword, message) => {
    const account = await door.signUp(server.url, uniqueName(door.name), password);
    const outcome = await account.attempt({ currentPassword: password, newPassword, confirmNewPassword: newPassword });
    expect(outcome).toEqual({ status: 422, message });
    expect((await signIn(new Device(server.url), account)).status).toBe(303);
  });

  it("refuses the username with digits as too guessable", async () => {
    const username = uniqueName(`${door.name}_nom`);
    const account = await door.signUp(server.url, username, password);
    const newPassword = `${username}2024`;
    const outcome = await account.attempt({ currentPassword: password, newPassword, confirmNewPassword: newPassword });
    expect(outcome.status).toBe(422);
    expect(outcome.message).toMatch(/^This password is too easy to guess\. It contains your username, your email address or the site's name\./);
  });

  it("refuses the username as the new password", async () => {
    const username = uniqueName(`${door.name}_long_name`);
    const account = await door.signUp(server.url, username, password);
    const outcome = await account.attempt({ currentPassword: password, newPassword: username, confirmNewPassword: username });
    expect(outcome).toEqual({ status: 422, message: failureCatalogue.same_as_username.message });
  });
});

describe("NFKC on set and on verify", () => {
  it("the same password typed composed or decomposed works; an unaccented one does not", async () => {
    const composed = "caf\u00e9 au lait, s'il vous pla\u00eet";
    const decomposed = composed.normalize("NFD");
    expect(decomposed).not.toBe(composed);
    const username = uniqueName();
    await signUpAndIn(server.url, { username, password: composed });
    expect((await signIn(new Device(server.url), { username, password: decomposed })).status).toBe(303);
    expect((await signIn(new Device(server.url), { username, password: "cafe au lait, s'il vous plait" })).status).toBe(401);
  });

  it("register applies the same policy", async () => {
    const response = await new Device(server.url).postForm("/register", {
      username: uniqueName(),
      email: `${uniqueName()}@example.com`,
      password: "Password1234",
      confirm_password: "Password1234",
    });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain(failureCatalogue.common_password.message);

    const guessed = await new Device(server.url).postForm("/register", {
      username: uniqueName(),
      email: `${uniqueName()}@example.com`,
      password: "password123456",
      confirm_password: "password123456",
    });
    expect(guessed.status).toBe(422);
    expect(pageErrorMessage(await guessed.text())).toBe(guessable);
  });
});
