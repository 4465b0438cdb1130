import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Field } from "~/components/Field";
import { ErrorSummary } from "~/components/ErrorSummary";
import { NewPasswordFields } from "~/components/NewPasswordFields";
import { ReadOnlyNotice, readOnlyNoticeId } from "~/components/ReadOnlyNotice";
import { SubmitButton, useSingleSubmit } from "~/components/SubmitButton";
import { formFailureOf, useFieldErrors, type FormFields } from "~/lib/use-field-errors";
import { useState, type FormEvent } from "react";
import { readForm } from "~/lib/http";
import { pageMeta } from "~/lib/site";

export const meta = pageMeta("Register");
export { ErrorBoundary } from "~/components/ErrorPage";

export async function loader({ context }: LoaderFunctionArgs) {
  const { minPasswordLength, maxPasswordLength, readOnly } = context.config;
  return json({ minPasswordLength, maxPasswordLength, readOnly });
}

/** The seed's register fields: username, email, password, confirm_password. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const input = {
    username: text("username"),
    email: text("email"),
    password: text("password"),
    confirmPassword: text("confirm_password"),
  };
  const result = await context.call((trpc) => trpc.auth.register(input));
  if (result.ok) {
    // The sign-in page says so and has the username filled in.
    context.flash.registered(input.username);
    return redirect(context.config.loginUrl, 303);
  }
  // Every wrong field's message; username and email go back into the form; passwords never do.
  return json({ ...formFailureOf(result.failure), username: input.username, email: input.email }, result.status);
}

const labels = { password: "Password", confirmation: "Confirm password" };

/** The seed's register fields in the page's order, for the error summary's links. */
const fields: FormFields = [
  { field: "username", name: "username", label: "Username" },
  { field: "email", name: "email", label: "Email" },
  { field: "password", name: "password", label: labels.password },
  { field: "confirmPassword", name: "confirm_password", label: labels.confirmation },
];

export default function Register() {
  const { minPasswordLength, maxPasswordLength, readOnly } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const onSubmit = useSingleSubmit();
  const { summary, errorFor, onEdit } = useFieldErrors(failure, fields);
  const [username, setUsername] = useState(failure?.username ?? "");
  const [email, setEmail] = useState(failure?.email ?? "");
  // Both feed the strength meter (a password like the username is weak) and clear their own error.
  const edited = (name: string, remember: (value: string) => void) => (event: FormEvent<HTMLInputElement>) => {
    remember(event.currentTarget.value);
    onEdit(name);
  };
  return (
    <Form method="post" className="card" onSubmit={onSubmit}>
      <h1>Register</h1>
      {readOnly ? <ReadOnlyNotice>New accounts cannot be registered at the moment.</ReadOnlyNotice> : null}
      <ErrorSummary {...summary} revision={failure} />
      {/* Read-only: said before anyone types, and nothing can be typed or sent (with or without JavaScript). */}
      <fieldset disabled={readOnly} aria-describedby={readOnly ? readOnlyNoticeId : undefined}>
        <Field
          label="Username"
          name="username"
          hint="3 to 32 letters, digits, dots, dashes or underscores."
          error={errorFor("username")}
          inputProps={{
            type: "text",
            autoComplete: "username",
            required: true,
            defaultValue: failure?.username,
            onInput: edited("username", setUsername),
          }}
        />
        <Field
          label="Email"
          name="email"
          error={errorFor("email")}
          inputProps={{
            type: "email",
            autoComplete: "email",
            required: true,
            defaultValue: failure?.email,
            onInput: edited("email", setEmail),
          }}
        />
        <NewPasswordFields
          names={{ password: "password", confirmation: "confirm_password" }}
          labels={labels}
          minPasswordLength={minPasswordLength}
          maxPasswordLength={maxPasswordLength}
          owner={{ username, email }}
          errorFor={errorFor}
          onEdit={onEdit}
        />
        <SubmitButton pendingText="Registering…">Register</SubmitButton>
      </fieldset>
    </Form>
  );
}
