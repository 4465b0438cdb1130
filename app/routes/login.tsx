import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Field } from "~/components/Field";
import { ErrorSummary } from "~/components/ErrorSummary";
import { SubmitButton, useSingleSubmit } from "~/components/SubmitButton";
import { readForm, safeRedirect } from "~/lib/http";

export const meta: MetaFunction = () => [{ title: "Sign in" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get("redirectTo"), "");
  return json({ redirectTo });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const result = await context.call((trpc) =>
    trpc.auth.login({ username: text("username"), password: text("password") }),
  );
  if (!result.ok) {
    return json({ message: result.failure.message, username: text("username") }, result.status);
  }
  return redirect(safeRedirect(form.get("redirectTo"), "/"), 303);
}

export default function Login() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const onSubmit = useSingleSubmit();
  return (
    <Form method="post" className="card" onSubmit={onSubmit}>
      <h1>Sign in</h1>
      <ErrorSummary message={failure?.message} revision={failure} />
      <input type="hidden" name="redirectTo" value={redirectTo} />
      <Field
        label="Username"
        name="username"
        inputProps={{ type: "text", autoComplete: "username", required: true, defaultValue: failure?.username }}
      />
      <Field
        label="Password"
        name="password"
        reveal="password"
        inputProps={{ type: "password", autoComplete: "current-password", required: true }}
      />
      <SubmitButton pendingText="Signing in…">Sign in</SubmitButton>
    </Form>
  );
}
