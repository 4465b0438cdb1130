import { useState, type InputHTMLAttributes, type ReactNode } from "react";
import { useHydrated } from "~/lib/use-hydrated";

export type FieldProps = {
  label: ReactNode;
  name: string;
  /** Shown under the input and tied to it with aria-describedby. */
  hint?: ReactNode;
  error?: string | null;
  /** Live text under the input (strength, match), tied with aria-describedby too. */
  live?: ReactNode;
  /**
   * Adds a show/hide button (JavaScript only) named for what a click does: "Show <reveal>" while
   * the password is hidden, "Hide <reveal>" while it is shown.
   */
  reveal?: string;
  inputProps?: Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id">;
};

/** A labelled input whose hint and error are wired to it for assistive technology. */
export function Field({ label, name, hint, error, live, reveal, inputProps }: FieldProps) {
  const hydrated = useHydrated();
  const [revealed, setRevealed] = useState(false);
  const id = `field-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const liveId = live ? `${id}-live` : undefined;
  const describedBy = [errorId, hintId, liveId].filter(Boolean).join(" ") || undefined;
  const type = reveal && revealed ? "text" : inputProps?.type;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="input-row">
        <input
          id={id}
          name={name}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          {...inputProps}
          type={type}
        />
        {reveal && hydrated ? (
          // Its name changes with the state, so it is no toggle button (aria-pressed): "Hide password,
          // pressed" would say the opposite of what a click does (GOV.UK's password input does the same).
          <button type="button" className="reveal" aria-controls={id} onClick={() => setRevealed((value) => !value)}>
            {revealed ? "Hide" : "Show"}
            <span className="visually-hidden">{` ${reveal}`}</span>
          </button>
        ) : null}
      </div>
      {error ? (
        <p className="error" id={errorId}>
          {error}
        </p>
      ) : null}
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {live ? <div id={liveId}>{live}</div> : null}
    </div>
  );
}
