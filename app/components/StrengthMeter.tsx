import { useEffect, useState } from "react";
import type { PasswordLimits, PasswordOwner, StrengthRefusal, Verdict } from "../../server/auth/password-strength";

/** What the meter says of a password the server will refuse: never a word of praise. */
const refusals: Record<StrengthRefusal, { label: string; advice: (limits: PasswordLimits) => string }> = {
  too_short: { label: "Too short", advice: ({ minPasswordLength }) => `Use at least ${minPasswordLength} characters.` },
  too_long: { label: "Too long", advice: ({ maxPasswordLength }) => `Use at most ${maxPasswordLength} characters.` },
  invalid_characters: { label: "Not usable", advice: () => "Remove control characters and broken or unassigned characters." },
  no_visible_character: { label: "Not usable", advice: () => "Add a letter, digit, punctuation mark or symbol." },
  common_password: { label: "Too common", advice: () => "Choose one that is harder to guess." },
  same_as_username: { label: "Too easy to guess", advice: () => "It is your username." },
  same_as_email: { label: "Too easy to guess", advice: () => "It is your email address." },
  too_guessable: { label: "Too easy to guess", advice: () => "Add another word or two." },
};

/** A password the server accepts has a score of 3 or 4 (password-strength.ts: `minimumScore`). */
const praise: Record<number, string> = { 3: "Good", 4: "Strong" };

/**
 * The verdict the server will give, while typing a new password (JavaScript only): the judge and
 * its dictionaries arrive with the first keystroke. A refusal comes with what to do instead.
 */
export function StrengthMeter({ password, limits, owner, id }: { password: string; limits: PasswordLimits; owner: PasswordOwner; id: string }) {
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const { minPasswordLength, maxPasswordLength } = limits;
  const { username, email } = owner;
  useEffect(() => {
    if (!password) {
      setVerdict(null);
      return;
    }
    let current = true;
    void import("../../server/auth/password-strength").then(({ judgePassword }) => {
      if (current) setVerdict(judgePassword(password, { minPasswordLength, maxPasswordLength }, { username, email }));
    });
    return () => {
      current = false;
    };
  }, [password, minPasswordLength, maxPasswordLength, username, email]);
  if (!password || verdict === null) return <p className="strength" id={id} aria-live="polite" />;
  const label = verdict.acceptable ? (praise[verdict.score] ?? "Good") : refusals[verdict.reason].label;
  const advice = verdict.acceptable ? null : (verdict.advice ?? refusals[verdict.reason].advice(limits));
  return (
    <p className="strength" id={id} aria-live="polite">
      {/* Red below the accepted score, amber at it, green above. */}
      <meter min={0} max={4} low={2.5} high={3.5} optimum={4} value={verdict.score} aria-label="Password strength" />{" "}
      <span>{`Strength: ${label}.`}</span>
      {advice ? (
        <>
          {" "}
          <span className="advice">{advice}</span>
        </>
      ) : null}
    </p>
  );
}
