import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ErrorSummary } from "~/components/ErrorSummary";
import { ReadOnlyNotice, readOnlyNoticeId } from "~/components/ReadOnlyNotice";
import { NewPasswordFields } from "~/components/NewPasswordFields";
import { SubmitButton, useSingleSubmit } from "~/components/SubmitButton";
import { changePasswordFields, readChangePasswordFields } from "~/forms/change-password";
import { formExpiredMessage, formTokenField, readForm } from "~/lib/http";
import { formFailureOf, useFieldErrors, type FormFailure, type FormFields } from "~/lib/use-field-errors";
import { pageMeta } from "~/lib/site";

/**
 * "Forgot your password?", step two: the page a reset link opens. A link that cannot be used
 * (not valid, expired, used, or the password changed since) gets a page saying so, with its
 * status, and a way to ask for a new one; a good one gets the change form's two new-password
 * fields. After the reset every device is signed out and the person signs in with the new password.
 */

export const meta = pageMeta("Reset password");
export { ErrorBoundary } from "~/components/ErrorPage";

const linkProblems = new Set(["reset_link_invalid", "reset_link_expired", "reset_link_used"]);

export async function loader({ params, context }: LoaderFunctionArgs) {
  const link = await context.call((trpc) => trpc.auth.passwordResetLink({ token: params.token ?? "" }));
  if (!link.ok) return json({ usable: false as const, message: link.failure.message }, link.status);
  const { minPasswordLength, maxPasswordLength, readOnly } = context.config;
  return json({
    usable: true as const,
    username: link.data.username,
    email: link.data.email,
    minPasswordLength,
    maxPasswordLength,
    readOnly,
    formToken: context.formToken,
  });
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  if (!context.checkFormToken(form.get(formTokenField))) {
    return json({ usable: true as const, message: formExpiredMessage, field: null }, 403);
  }
  // The change form's field names and reading rules (a field that is not text is refused).
  const fields = readChangePasswordFields((name) => form.get(name));
  if (!fields.ok) return json({ usable: true as const, message: fields.message, field: null }, 422);
  const { newPassword, confirmNewPassword } = fields.input;
  const result = await context.call((trpc) => trpc.auth.resetPassword({ token: params.token ?? "", newPassword, confirmNewPassword }));
  if (result.ok) {
    context.flash.passwordReset(result.data.username);
    return redirect(result.data.redirectTo, 303);
  }
  const { failure } = result;
  if (linkProblems.has(failure.reason)) return json({ usable: false as const, message: failure.message, field: null }, result.status);
  // Every wrong field's message: no password goes back into the page.
  return json({ usable: true as const, ...formFailureOf(failure) }, result.status);
}

export default function ResetPassword() {
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  if (!page.usable || result?.usable === false) {
    return <UnusableLink message={result?.usable === false ? result.message : page.usable ? "" : page.message} />;
  }
  return <ResetForm {...page} error={result ?? null} />;
}

function UnusableLink({ message }: { message: string }) {
  return (
    <div className="card">
      <h1>This link cannot be used</h1>
      <p className="error form-error" role="alert">
        {message}
      </p>
      <p>
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </div>
  );
}

type ResetFormProps = {
  username: string;
  email: string;
  minPasswordLength: number;
  maxPasswordLength: number;
  readOnly: boolean;
  formToken: string | null;
  error: FormFailure | null;
};

/** The two fields in the page's order, for the error summary's links. */
const resetFields: FormFields = [
  { field: "newPassword", name: changePasswordFields.newPassword, label: "New password" },
  { field: "confirmNewPassword", name: changePasswordFields.confirmNewPassword, label: "Confirm new password" },
];

function ResetForm({ username, email, minPasswordLength, maxPasswordLength, readOnly, formToken, error }: ResetFormProps) {
  const onSubmit = useSingleSubmit();
  const { summary, errorFor, onEdit } = useFieldErrors(error, resetFields);
  return (
    <Form method="post" className="card" onSubmit={onSubmit}>
      <h1>Choose a new password</h1>
      <p>{`For the account ${username}.`}</p>
      {readOnly ? <ReadOnlyNotice>Passwords cannot be reset at the moment.</ReadOnlyNotice> : null}
      <ErrorSummary {...summary} revision={error} />
      <fieldset disabled={readOnly} aria-describedby={readOnly ? readOnlyNoticeId : undefined}>
        <input type="hidden" name={formTokenField} value={formToken ?? ""} />
        {/* Tells password managers which account's saved password to update. */}
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        <NewPasswordFields
          names={{ password: changePasswordFields.newPassword, confirmation: changePasswordFields.confirmNewPassword }}
          labels={{ password: "New password", confirmation: "Confirm new password" }}
          minPasswordLength={minPasswordLength}
          maxPasswordLength={maxPasswordLength}
          owner={{ username, email }}
          errorFor={errorFor}
          onEdit={onEdit}
        />
        <p className="hint">After the reset, every device signed in to your account is signed out, and you sign in with the new password.</p>
        <SubmitButton pendingText="Resetting password…">Reset password</SubmitButton>
      </fieldset>
    </Form>
  );
}
