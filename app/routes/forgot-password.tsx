import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ErrorSummary } from "~/components/ErrorSummary";
import { ReadOnlyNotice } from "~/components/ReadOnlyNotice";
import { Field } from "~/components/Field";
import { SubmitButton, useSingleSubmit } from "~/components/SubmitButton";
import { formExpiredMessage, formTokenField, readForm } from "~/lib/http";
import { useFieldErrors } from "~/lib/use-field-errors";
import { pageMeta } from "~/lib/site";

/**
 * "Forgot your password?", step one: a username or e-mail address in, a link to
 * /reset-password/<token> out by e-mail. The page says the same thing whether or not an account
 * has that name; after a request it shows "check your email" (Post/Redirect/Get to `?sent`).
 */

export const meta = pageMeta("Forgot password");
export { ErrorBoundary } from "~/components/ErrorPage";

const fieldName = "email_or_username";
const pagePath = "/forgot-password";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { readOnly, resetLinkLifetimeMinutes } = context.config;
  return json({
    sent: new URL(request.url).searchParams.has("sent"),
    readOnly,
    resetLinkLifetimeMinutes,
    formToken: context.formToken,
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  const typed = form.get(fieldName);
  const emailOrUsername = typeof typed === "string" ? typed : "";
  // Signed-out visitors carry no session to bind a token to (the Origin check guards them); a
  // signed-in one's form carries the session-bound token like every other form.
  if (!context.checkFormToken(form.get(formTokenField))) {
    return json({ message: formExpiredMessage, field: null, emailOrUsername }, 403);
  }
  const result = await context.call((trpc) => trpc.auth.requestPasswordReset({ emailOrUsername }));
  if (result.ok) return redirect(`${pagePath}?sent`, 303);
  return json({ message: result.failure.message, field: result.failure.field ?? null, emailOrUsername }, result.status);
}

export default function ForgotPassword() {
  const { sent, readOnly, resetLinkLifetimeMinutes, formToken } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const onSubmit = useSingleSubmit();
  const { summary, errorFor, onEdit } = useFieldErrors(failure, [{ field: "emailOrUsername", name: fieldName, label: "Username or email address" }]);

  if (sent && !failure) {
    return (
      <div className="card">
        <h1>Check your email</h1>
        <p role="status">
          {`If an account has that username or email address, a link to choose a new password is on its way to the account's email address. It works once, for ${resetLinkLifetimeMinutes} minutes.`}
        </p>
        <p>
          Nothing after a few minutes? Look in your spam folder, then <Link to={pagePath}>ask for another link</Link>.
        </p>
        <p>
          <Link to="/login">Back to sign in</Link>
        </p>
      </div>
    );
  }

  return (
    <Form method="post" action={pagePath} className="card" onSubmit={onSubmit}>
      <h1>Forgot your password?</h1>
      <p>{`Enter your username or email address. We will email a link to choose a new password; it works once, for ${resetLinkLifetimeMinutes} minutes.`}</p>
      {readOnly ? <ReadOnlyNotice>Passwords cannot be reset at the moment.</ReadOnlyNotice> : null}
      <ErrorSummary {...summary} revision={failure} />
      <input type="hidden" name={formTokenField} value={formToken ?? ""} />
      <Field
        label="Username or email address"
        name={fieldName}
        error={errorFor(fieldName)}
        inputProps={{
          type: "text",
          autoComplete: "username",
          autoCapitalize: "none",
          spellCheck: false,
          required: true,
          defaultValue: failure?.emailOrUsername,
          onInput: () => onEdit(fieldName),
        }}
      />
      <SubmitButton pendingText="Sending link…">Send reset link</SubmitButton>
      <p>
        <Link to="/login">Back to sign in</Link>
      </p>
    </Form>
  );
}
