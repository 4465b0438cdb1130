import type { InputHTMLAttributes, ReactNode } from "react";

export type FieldProps = {
  label: ReactNode;
  name: string;
  /** Shown under the input and tied to it with aria-describedby. */
  hint?: ReactNode;
  error?: string | null;
  inputProps?: Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id">;
};

/** A labelled input whose hint and error are wired to it for assistive technology. */
export function Field({ label, name, hint, error, inputProps }: FieldProps) {
  const id = `field-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...inputProps}
      />
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
