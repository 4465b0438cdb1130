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
  /** Words the strength meter should count as guessable (username, email). */
  userInputs: string[];
  errorFor: (name: string) => string | null | undefined;
  onEdit: (name: string) => void;
};

/**
 * A new password and its confirmation: the rules in plain words (always), and with JavaScript a
 * show/hide toggle, a strength meter and a live match hint. The meter guides; the server decides.
 */
export function NewPasswordFields(props: NewPasswordFieldsProps) {
  const { names, labels, minPasswordLength, maxPasswordLength, errorFor, onEdit } = props;
  const hydrated = useHydrated();
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  return (
    <>
      <Field
        label={`${labels.password} (${minPasswordLength} characters minimum)`}
        name={names.password}
        hint={`Use ${minPasswordLength} to ${maxPasswordLength} characters; spaces, emoji and any other characters are fine. Common passwords, your username and your email address are not allowed.`}
        error={errorFor(names.password)}
        reveal={labels.password.toLowerCase()}
        live={hydrated ? <StrengthMeter password={password} userInputs={props.userInputs} id={`${names.password}-strength`} /> : null}
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
        error={errorFor(names.confirmation)}
        reveal={labels.confirmation.toLowerCase()}
        live={hydrated && confirmation ? <MatchHint matches={confirmation === password} /> : null}
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
