import { ZxcvbnFactory, type TranslationKeys } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";
import { codePointLength, exceedsByteCap, normalizePassword } from "./password-text.js";

/**
 * The one judge of a new password's strength, for the server's policy (password-policy.ts, which
 * turns a refusal into the catalogue's failure) and the browser's meter (StrengthMeter, which
 * loads this module on the first keystroke) alike, so the meter never praises a password the
 * server will refuse. Plain code: nothing here may import server code or Node built-ins
 * (tests/unit/import-graph.test.ts), and it is the one module of ours that knows zxcvbn-ts.
 */

/**
 * zxcvbn's score, from its estimate of the guesses an attacker needs: 0 under 10³, 1 under 10⁶,
 * 2 under 10⁸, 3 under 10¹⁰, 4 above.
 */
export type Score = 0 | 1 | 2 | 3 | 4;

/**
 * Accepted from 3 up: zxcvbn's "safely unguessable", an estimated 10⁸ guesses or more. The lockout
 * policy holds an online attacker to 100 guesses a day per account, so the score is for the other
 * attacker, one holding a copy of the hashes: at our Argon2id cost 10⁸ guesses take about 9 days
 * of our two-core test machine (130 hashes a second) for one account, where score 2's 10⁶ take 2
 * hours. Score 4 (10¹⁰) would also refuse many passphrases of three everyday words. Documented in
 * the README (Security: password policy).
 */
export const minimumScore = 3;

export type PasswordLimits = { minPasswordLength: number; maxPasswordLength: number };

/** Whose password it is: their names count as easy to guess. */
export type PasswordOwner = { username?: string; email?: string };

/** The reasons this judge refuses a password for, each one in the failure catalogue. */
export type LengthRefusal = "too_short" | "too_long";
export type ContentRefusal =
  | "invalid_characters"
  | "no_visible_character"
  | "common_password"
  | "same_as_username"
  | "same_as_email"
  | "too_guessable";
export type StrengthRefusal = LengthRefusal | ContentRefusal;

export type Verdict<R extends StrengthRefusal = StrengthRefusal> =
  | { acceptable: true; score: Score }
  | {
      acceptable: false;
      reason: R;
      /** zxcvbn's score (0 when it was not asked: wrong length, unusable characters, a listed password). */
      score: Score;
      /** With `too_guessable` and `common_password`: why, and what to do instead, in a sentence or three. */
      advice: string | null;
    };

/** Shown with every refusal for being guessable, whatever zxcvbn found (zxcvbn's own first advice). */
export const anotherWordAdvice = "Add another word or two. Uncommon words are better.";

/**
 * The name people see on every page, as zxcvbn's "user inputs" with the owner's names: a password
 * made of the site's name is among the first an attacker tries. Keep it in step with the header.
 */
export const siteName = "Change Password Demo";

// zxcvbn's cost grows with a password's length and with its l33t readings ("DOS when run server
// side", zxcvbn-ts issue #164, answered by these two options): 128 characters took up to 400 ms of
// the event loop with the defaults on our busy two-core machine; the first 64 characters with 10
// l33t readings take about 20 ms at worst, a typical passphrase 1 to 2 ms. A weak start is refused
// whatever follows (the odd password weak for 64 characters and strong after is refused too), and
// fewer l33t readings can rate a heavily l33t-spelt password a little higher than the defaults.
const judgedLength = 64;
const l33tReadings = 10;

// zxcvbn's messages in English (mostly the original zxcvbn's words), keyed as zxcvbn-ts gives
// them; a misspelt or missing key does not compile.
const warnings: TranslationKeys["warnings"] = {
  straightRow: "Straight rows of keys are easy to guess.",
  keyPattern: "Short keyboard patterns are easy to guess.",
  simpleRepeat: 'Repeats like "aaa" are easy to guess.',
  extendedRepeat: 'Repeats like "abcabcabc" are only slightly harder to guess than "abc".',
  sequences: 'Sequences like "abc" or "6543" are easy to guess.',
  recentYears: "Recent years are easy to guess.",
  dates: "Dates are often easy to guess.",
  topTen: "This is a top-10 common password.",
  topHundred: "This is a top-100 common password.",
  common: "This is a very common password.",
  similarToCommon: "This is similar to a commonly used password.",
  wordByItself: "A word by itself is easy to guess.",
  namesByThemselves: "Names and surnames by themselves are easy to guess.",
  commonNames: "Common names and surnames are easy to guess.",
  userInputs: "It contains your username, your email address or the site's name.",
  pwned: "This password has appeared in a data breach.",
};

const suggestions: TranslationKeys["suggestions"] = {
  l33t: "Predictable substitutions like '@' instead of 'a' don't help very much.",
  reverseWords: "Reversed words aren't much harder to guess.",
  allUppercase: "All-uppercase is almost as easy to guess as all-lowercase.",
  capitalization: "Capitalization doesn't help very much.",
  dates: "Avoid dates and years that are associated with you.",
  recentYears: "Avoid recent years.",
  associatedYears: "Avoid years that are associated with you.",
  sequences: "Avoid sequences.",
  repeated: "Avoid repeated words and characters.",
  longerKeyboardPattern: "Use a longer keyboard pattern with more turns.",
  anotherWord: anotherWordAdvice,
  useWords: "Use a few words, avoid common phrases.",
  noNeed: "No need for symbols, digits, or uppercase letters.",
  pwned: "If you use this password elsewhere, change it there too.",
};

// Refused anywhere in a password: C0 and C1 control characters (tab and newline included:
// invisible, and typed differently by different keyboards and password managers); unassigned code
// points and noncharacters (\p{Cn}: no keyboard produces them, and a later Unicode version could
// normalise a newly assigned one differently); U+FFFD, what a decoder leaves of broken UTF-8 or a
// lone surrogate sent through a form (nobody types it, so it means the password was damaged).
const unusableCharacters = /[\p{Cc}\p{Cn}\ufffd]/u;

// At least one letter, digit, punctuation mark or symbol. Spaces, zero-width and format characters
// and lone combining marks are all accepted inside a password (NIST 800-63B: every printable
// character), but a password made only of them cannot be seen, checked or typed reliably.
const visibleCharacter = /[\p{L}\p{N}\p{P}\p{S}]/u;

type Judge = { zxcvbn: ZxcvbnFactory; commonPasswords: Set<string> };
let judge: Judge | undefined;

/**
 * zxcvbn with its dictionaries (~49,000 common passwords among them), built once and kept (about
 * 50 ms): the server builds it at start-up, the browser on the first keystroke.
 */
export function preloadStrengthJudge(): void {
  loadJudge();
}

function loadJudge(): Judge {
  judge ??= {
    zxcvbn: new ZxcvbnFactory({
      graphs: adjacencyGraphs,
      dictionary,
      maxLength: judgedLength,
      l33tMaxSubstitutions: l33tReadings,
    }),
    commonPasswords: new Set(dictionary["passwords-common"].map((word) => word.toLowerCase())),
  };
  return judge;
}

/**
 * Length in code points after NFKC (and the byte cap before it), the seed's own check and our
 * maximum: the server runs it before the confirmation is compared, as the seed does.
 */
export function judgeLength(password: string, limits: PasswordLimits): LengthRefusal | null {
  if (exceedsByteCap(password, limits)) return "too_long";
  const length = codePointLength(normalizePassword(password));
  if (length < limits.minPasswordLength) return "too_short";
  if (length > limits.maxPasswordLength) return "too_long";
  return null;
}

/**
 * What the password is made of, once its length is right: usable characters, something visible,
 * not a common password (whole password, any case: a passphrase that merely contains a listed
 * word is fine), not the owner's username or email, and at least `minimumScore` from zxcvbn with
 * the owner's names and the site's name as words an attacker tries first.
 */
export function judgeContent(password: string, owner: PasswordOwner): Verdict<ContentRefusal> {
  if (!password.isWellFormed() || unusableCharacters.test(password)) return refusal("invalid_characters");
  const normalized = normalizePassword(password);
  if (!visibleCharacter.test(normalized)) return refusal("no_visible_character");
  const { zxcvbn, commonPasswords } = loadJudge();
  const folded = normalized.toLowerCase();
  if (commonPasswords.has(folded)) return refusal("common_password", 0, anotherWordAdvice);
  if (owner.username && folded === owner.username.toLowerCase()) return refusal("same_as_username");
  if (owner.email && folded === owner.email.toLowerCase()) return refusal("same_as_email");
  const { score, feedback } = zxcvbn.check(normalized, userInputs(owner));
  if (score >= minimumScore) return { acceptable: true, score };
  const advice = [lookUp(warnings, feedback.warning), ...feedback.suggestions.map((key) => lookUp(suggestions, key))].filter(
    (sentence) => sentence !== null,
  );
  if (!advice.includes(anotherWordAdvice)) advice.push(anotherWordAdvice);
  return refusal("too_guessable", score, advice.join(" "));
}

/** Both in the server's order, for the meter (and callers with no confirmation to compare in between). */
export function judgePassword(password: string, limits: PasswordLimits, owner: PasswordOwner): Verdict {
  const length = judgeLength(password, limits);
  return length ? refusal(length) : judgeContent(password, owner);
}

/**
 * The words zxcvbn should count as known to an attacker: the username, the email address, its
 * local part, and the site's name; each also without its punctuation and spaces and in its parts
 * (alice.smith → alicesmith, alice, smith).
 */
export function userInputs(owner: PasswordOwner): string[] {
  const names = [owner.username, owner.email, owner.email?.split("@")[0], siteName].filter((name): name is string => !!name);
  const words = names.flatMap((name) => [name, name.replace(/[^\p{L}\p{N}]+/gu, ""), ...name.split(/[^\p{L}\p{N}]+/u)]);
  return [...new Set(words.filter((word) => word.length >= 3).map((word) => word.toLowerCase()))];
}

function refusal<R extends StrengthRefusal>(reason: R, score: Score = 0, advice: string | null = null): Verdict<R> {
  return { acceptable: false, reason, score, advice };
}

/** zxcvbn gives its messages as keys (we load no translation): ours, or nothing for a key we do not know. */
function lookUp(messages: Record<string, string>, key: string | null): string | null {
  return key !== null && Object.hasOwn(messages, key) ? messages[key]! : null;
}
