import { useState } from "react";
import { useHydrated } from "~/lib/use-hydrated";
import { Field } from "./Field";
import { StrengthMeter } from "./StrengthMeter";

export type NewPasswordFieldsProps = {
  /** Field names, e.g. new_password / confirm_new_password (change) or password / confirm_password (register). */
  names: { password: string; confirmation: string };
  labels: { password: string; confirmation: string };
  minPasswordLength: number;
  maxPasswordLength: number;
  /** Whose password it is: the strength meter counts their names as easy to guess, as the server does. */
  owner: { username: string; email: string };
  errorFor: (name: string) => string | null | undefined;
  onEdit: (name: string) => void;
};

/**
 * A new password and its confirmation: the rules in plain words (always), and with JavaScript a
 * show/hide toggle, a strength meter and a live match hint. The meter and the server use the same
 * judge (server/auth/password-strength.ts), so the meter's verdict is the one the server will give.
 */
export function NewPasswordFields(props: NewPasswordFieldsProps) {
  const { names, labels, minPasswordLength, maxPasswordLength, errorFor, onEdit } = props;
  const hydrated = useHydrated();
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  // While a field shows the server's message, its live hint would say the same again: it returns
  // once the person types there.
  const passwordError = errorFor(names.password);
  const confirmationError = errorFor(names.confirmation);
  return (
    <>
      <Field
        label={`${labels.password} (${minPasswordLength} characters minimum)`}
        name={names.password}
        hint={`Use ${minPasswordLength} to ${maxPasswordLength} characters; spaces, emoji and any other characters are fine. A few uncommon words make a good password. Common or easily guessed passwords (like your username with a few digits) are not allowed.`}
        error={passwordError}
        reveal={labels.password.toLowerCase()}
        live={
          hydrated && !passwordError ? (
            <StrengthMeter
              password={password}
              limits={{ minPasswordLength, maxPasswordLength }}
              owner={props.owner}
              id={`${names.password}-strength`}
            />
          ) : null
        }
        inputProps={{
          type: "password",
          autoComplete: "new-password",
          required: true,
          minLength: minPasswordLength,
          onInput: (event) => {
            setPassword(event.currentTarget.value);
            onEdit(names.password);
          },
        }}
      />
      <Field
        label={labels.confirmation}
        name={names.confirmation}
        error={confirmationError}
        reveal={labels.confirmation.toLowerCase()}
        live={hydrated && confirmation && !confirmationError ? <MatchHint matches={confirmation === password} /> : null}
        inputProps={{
          type: "password",
          autoComplete: "new-password",
          required: true,
          onInput: (event) => {
            setConfirmation(event.currentTarget.value);
            onEdit(names.confirmation);
          },
        }}
      />
    </>
  );
}

function MatchHint({ matches }: { matches: boolean }) {
  return (
    <p className={matches ? "match" : "hint"} aria-live="polite">
      {matches ? "✓ The passwords match." : "The passwords do not match yet."}
    </p>
  );
}
