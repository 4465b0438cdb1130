import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Field } from "~/components/Field";
import { FormError } from "~/components/FormError";
import { SubmitButton } from "~/components/SubmitButton";
import { readForm } from "~/lib/http";

export const meta: MetaFunction = () => [{ title: "Register" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const { minPasswordLength, maxPasswordLength } = context.settings;
  return json({ minPasswordLength, maxPasswordLength });
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
  if (result.ok) return redirect(context.settings.loginUrl, 303);
  // Username and email go back into the form; passwords never do.
  return json(
    { message: result.message, field: result.field, username: input.username, email: input.email },
    result.status,
  );
}

const fieldNames: Record<string, string> = {
  username: "username",
  email: "email",
  password: "password",
  confirmPassword: "confirm_password",
};

export default function Register() {
  const { minPasswordLength, maxPasswordLength } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const errorFor = (name: string) => (failure?.field && fieldNames[failure.field] === name ? failure.message : null);
  return (
    <main>
      <Form method="post" className="card">
        <h1>Register</h1>
        <FormError message={failure?.message} />
        <Field
          label="Username"
          name="username"
          hint="3 to 32 letters, digits, dots, dashes or underscores."
          error={errorFor("username")}
          inputProps={{ type: "text", autoComplete: "username", required: true, defaultValue: failure?.username }}
        />
        <Field
          label="Email"
          name="email"
          error={errorFor("email")}
          inputProps={{ type: "email", autoComplete: "email", required: true, defaultValue: failure?.email }}
        />
        <Field
          label={`Password (${minPasswordLength} characters minimum)`}
          name="password"
          hint={`Between ${minPasswordLength} and ${maxPasswordLength} characters. Spaces and any characters are allowed.`}
          error={errorFor("password")}
          inputProps={{ type: "password", autoComplete: "new-password", required: true, minLength: minPasswordLength }}
        />
        <Field
          label="Confirm password"
          name="confirm_password"
          error={errorFor("confirm_password")}
          inputProps={{ type: "password", autoComplete: "new-password", required: true }}
        />
        <SubmitButton pendingText="Registering…">Register</SubmitButton>
      </Form>
    </main>
  );
}
