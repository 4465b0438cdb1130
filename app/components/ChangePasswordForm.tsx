import { Form, Link } from "@remix-run/react";
import { changePasswordFields, signOutOtherDevicesField } from "~/forms/change-password";
import { formTokenField } from "~/lib/http";
import { useFieldErrors, type FormFailure, type FormFields } from "~/lib/use-field-errors";
import { ErrorSummary } from "./ErrorSummary";
import { Field } from "./Field";
import { NewPasswordFields } from "./NewPasswordFields";
import { ReadOnlyNotice, readOnlyNoticeId } from "./ReadOnlyNotice";
import { SubmitButton, useSingleSubmit } from "./SubmitButton";

export type ChangePasswordFormProps = {
  username: string;
  email: string;
  minPasswordLength: number;
  maxPasswordLength: number;
  readOnly: boolean;
  /** What a change will do to this and other devices, said before it happens so nobody is surprised. */
  afterChangeHint: string;
  /** The session-bound CSRF token; the form must send it back as `csrf`. */
  formToken: string | null;
  /**
   * The last failed attempt (never a password): its message, the field it concerns and, when
   * several fields were wrong, each one's message in `fieldErrors`.
   */
  error?: FormFailure | null;
  /**
   * "Sign out of all other devices", when the app lets the owner choose (SIGN_OUT_OTHER_DEVICES_CHOICE),
   * ticked or not to begin with; null or left out: no choice, the app's setting holds.
   */
  otherDevicesChoice?: { checked: boolean } | null;
};

const labels = { current: "Current password", password: "New password", confirmation: "Confirm new password" };

/** The three fields in the page's order, for the error summary's links. */
const fields: FormFields = [
  { field: "currentPassword", name: changePasswordFields.currentPassword, label: labels.current },
  { field: "newPassword", name: changePasswordFields.newPassword, label: labels.password },
  { field: "confirmNewPassword", name: changePasswordFields.confirmNewPassword, label: labels.confirmation },
];

/**
 * The change-password form. It is the one piece an app replaces to change the page's look (the
 * seed's `template_path`): keep the field names, the hidden `csrf` input and `method="post"`, and
 * the rest is yours. Everything works without JavaScript; with it come show/hide toggles, a
 * strength meter, a live match hint, and errors that clear as the user types. Every wrong field
 * shows its message next to it, once; the summary at the top links to them.
 */
export function ChangePasswordForm(props: ChangePasswordFormProps) {
  const { username, email, minPasswordLength, maxPasswordLength, readOnly, afterChangeHint, formToken, error, otherDevicesChoice } = props;
  const onSubmit = useSingleSubmit();
  const { summary, errorFor, onEdit } = useFieldErrors(error, fields);

  return (
    <Form method="post" className="card" onSubmit={onSubmit}>
      <h1>Change Password</h1>
      <p>{`Signed in as ${username}.`}</p>
      {readOnly ? <ReadOnlyNotice>Passwords cannot be changed at the moment.</ReadOnlyNotice> : null}
      <ErrorSummary {...summary} revision={error} />
      {/* Read-only: said before anyone types, and nothing can be typed or sent (with or without JavaScript). */}
      <fieldset disabled={readOnly} aria-describedby={readOnly ? readOnlyNoticeId : undefined}>
        <input type="hidden" name={formTokenField} value={formToken ?? ""} />
        {/* Tells password managers which account's saved password to update. */}
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        <Field
          label={labels.current}
          name={changePasswordFields.currentPassword}
          error={errorFor(changePasswordFields.currentPassword)}
          reveal="current password"
          inputProps={{
            type: "password",
            autoComplete: "current-password",
            required: true,
            onInput: () => onEdit(changePasswordFields.currentPassword),
          }}
        />
        <NewPasswordFields
          names={{ password: changePasswordFields.newPassword, confirmation: changePasswordFields.confirmNewPassword }}
          labels={labels}
          minPasswordLength={minPasswordLength}
          maxPasswordLength={maxPasswordLength}
          owner={{ username, email }}
          errorFor={errorFor}
          onEdit={onEdit}
        />
        {otherDevicesChoice ? (
          <div className="field checkbox-field">
            {/* Sent first, so an unticked box still answers "no"; a ticked one's "yes" comes last and wins. */}
            <input type="hidden" name={signOutOtherDevicesField} value="no" />
            <input
              type="checkbox"
              id="field-sign-out-other-devices"
              name={signOutOtherDevicesField}
              value="yes"
              defaultChecked={otherDevicesChoice.checked}
            />
            <label htmlFor="field-sign-out-other-devices">Sign out of all other devices</label>
          </div>
        ) : null}
        <p className="hint">{afterChangeHint}</p>
        <SubmitButton pendingText="Changing password…">Change password</SubmitButton>
      </fieldset>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
    </Form>
  );
}
