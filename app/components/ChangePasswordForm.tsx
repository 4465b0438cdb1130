import { Form } from "@remix-run/react";
import { changePasswordFields } from "~/forms/change-password";
import { formTokenField } from "~/lib/http";
import { Field } from "./Field";
import { FormError } from "./FormError";
import { SubmitButton } from "./SubmitButton";

export type ChangePasswordFormProps = {
  username: string;
  minPasswordLength: number;
  maxPasswordLength: number;
  readOnly: boolean;
  /** Where to send the user after a change, shown so nobody is surprised. */
  loginUrl: string;
  /** The session-bound CSRF token; the form must send it back as `csrf`. */
  formToken: string | null;
  error?: { message: string; field: string | null } | null;
};

const fieldOf: Record<string, string> = {
  currentPassword: changePasswordFields.currentPassword,
  newPassword: changePasswordFields.newPassword,
  confirmNewPassword: changePasswordFields.confirmNewPassword,
};

/**
 * The change-password form. It is the one piece an app replaces to change the page's look (the
 * seed's `template_path`): keep the field names and `method="post"`, and the rest is yours.
 * Passwords are never rendered back into it.
 */
export function ChangePasswordForm({
  username,
  minPasswordLength,
  maxPasswordLength,
  readOnly,
  formToken,
  error,
}: ChangePasswordFormProps) {
  const errorField = error?.field ? fieldOf[error.field] : undefined;
  const fieldError = (name: string) => (errorField === name ? error?.message : null);
  return (
    <Form method="post" className="card">
      <h1>Change Password</h1>
      <input type="hidden" name={formTokenField} value={formToken ?? ""} />
      <p>{`Signed in as ${username}.`}</p>
      {readOnly ? <p className="notice">This demo is running in read only mode: changes are refused.</p> : null}
      <FormError message={error?.message} />
      <Field
        label="Current password"
        name={changePasswordFields.currentPassword}
        error={fieldError(changePasswordFields.currentPassword)}
        inputProps={{ type: "password", autoComplete: "current-password", required: true }}
      />
      <Field
        label={`New password (${minPasswordLength} characters minimum)`}
        name={changePasswordFields.newPassword}
        hint={`Between ${minPasswordLength} and ${maxPasswordLength} characters. Spaces and any characters are allowed.`}
        error={fieldError(changePasswordFields.newPassword)}
        inputProps={{ type: "password", autoComplete: "new-password", required: true, minLength: minPasswordLength }}
      />
      <Field
        label="Confirm new password"
        name={changePasswordFields.confirmNewPassword}
        error={fieldError(changePasswordFields.confirmNewPassword)}
        inputProps={{ type: "password", autoComplete: "new-password", required: true }}
      />
      <p className="hint">After a successful change you will be signed out everywhere and asked to sign in again.</p>
      <SubmitButton pendingText="Changing password…">Change password</SubmitButton>
    </Form>
  );
}
