import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkNewPassword } from "../../server/auth/password-policy.js";
import { anotherWordAdvice, judgePassword, minimumScore, userInputs } from "../../server/auth/password-strength.js";

/**
 * The one judge of strength, shared by the server's policy and the browser's meter: what it
 * refuses, why, and that the two never disagree.
 */

const limits = { minPasswordLength: 12, maxPasswordLength: 128 };
const judge = (password: string, owner: { username?: string; email?: string } = {}) => judgePassword(password, limits, owner);

describe("the strength judge", () => {
  // Long enough and not on the common list (only 308 of its ~49,000 passwords have 12 characters),
  // so they were accepted before zxcvbn had a say.
  it.each(["aaaaaaaaaaaa", "111111111111", "password123456", "qwertyuiopasdf"])("refuses %j as too guessable, with advice", (password) => {
    const verdict = judge(password);
    expect(verdict).toMatchObject({ acceptable: false, reason: "too_guessable" });
    expect(verdict.score).toBeLessThan(minimumScore);
    expect(!verdict.acceptable && verdict.advice).toContain(anotherWordAdvice);
  });

  it("says why, in zxcvbn's words, before what to do", () => {
    const verdict = judge("aaaaaaaaaaaa");
    expect(!verdict.acceptable && verdict.advice).toBe(
      'Repeats like "aaa" are easy to guess. Add another word or two. Uncommon words are better. Avoid repeated words and characters.',
    );
  });

  it.each(["correct horse battery staple", "my password is a long sentence", "🔑🌵🎻🐙🚲🍋🧭🪁🦉🌋🎲🧩", "日本語のパスワードですよね"])(
    "accepts %j",
    (password) => {
      const verdict = judge(password, { username: "alice", email: "alice@example.com" });
      expect(verdict).toMatchObject({ acceptable: true });
      expect(verdict.score).toBeGreaterThanOrEqual(minimumScore);
    },
  );

  it("counts the username as a word an attacker tries first: username and digits are refused", () => {
    expect(judge("quillhaven2024")).toMatchObject({ acceptable: true });
    expect(judge("quillhaven2024", { username: "quillhaven" })).toMatchObject({ acceptable: false, reason: "too_guessable" });
    expect(judge("Quillhaven1987", { username: "quillhaven" })).toMatchObject({ acceptable: false, reason: "too_guessable" });
  });

  it("counts the email address, its local part and its parts", () => {
    const owner = { username: "someone_else", email: "marguerite.oakley@example.org" };
    for (const password of ["margueriteoakley1", "marguerite.oakley.77", "oakleymarguerite"]) {
      expect(judge(password)).toMatchObject({ acceptable: true });
      const verdict = judge(password, owner);
      expect(verdict).toMatchObject({ acceptable: false, reason: "too_guessable" });
      expect(!verdict.acceptable && verdict.advice).toContain("It contains your username, your email address or the site's name.");
    }
  });

  it("counts the site's name, for everyone", () => {
    expect(userInputs({})).toContain("changepassworddemo");
    expect(judge("ChangePasswordDemo!")).toMatchObject({ acceptable: false, reason: "too_guessable" });
  });

  it("refuses the username and the email themselves with their own reasons, and common passwords with theirs", () => {
    expect(judge("Quillhaven_Writer", { username: "quillhaven_writer" })).toMatchObject({ reason: "same_as_username" });
    expect(judge("Someone@Example.org", { email: "someone@example.org" })).toMatchObject({ reason: "same_as_email" });
    expect(judge("qwerty123456")).toMatchObject({ reason: "common_password" });
  });

  it("judges the length first: a short password zxcvbn likes is still too short, never praised", () => {
    expect(judge("Tr0ub4dor&3")).toEqual({ acceptable: false, reason: "too_short", score: 0, advice: null });
    expect(judge("x".repeat(129))).toMatchObject({ acceptable: false, reason: "too_long" });
    expect(judge("ﬁ".repeat(100) + "x".repeat(29))).toMatchObject({ reason: "too_long" }); // 229 after NFKC
  });

  it("judges the first 64 characters (zxcvbn's cost grows with length): a weak start is refused whatever follows", () => {
    const strongTail = "eleven quiet otters juggle saffron lanterns"; // 43 characters
    expect(judge("a".repeat(64) + strongTail)).toMatchObject({ acceptable: false, reason: "too_guessable" });
    expect(judge(strongTail + "a".repeat(60))).toMatchObject({ acceptable: true });
  });
});

describe("the server's policy and the meter give one verdict", () => {
  const owner = { username: "quillhaven", email: "quillhaven@example.org" };
  it.each([
    "short",
    "Tr0ub4dor&3",
    "aaaaaaaaaaaa",
    "password123456",
    "qwerty123456",
    "quillhaven2024",
    "quillhaven@example.org",
    " ".repeat(12),
    "tab\tinside password",
    "correct horse battery staple",
    "x".repeat(129),
  ])("%j", (password) => {
    const server = checkNewPassword(password, { limits, ...owner });
    const meter = judgePassword(password, limits, owner);
    expect(meter.acceptable).toBe(server === null);
    if (!meter.acceptable) expect(meter.reason).toBe(server?.reason);
  });
});

describe("the threshold", () => {
  it("is the one the README documents", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(`zxcvbn score of at least ${minimumScore}`);
  });
});
