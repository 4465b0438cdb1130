import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { Field } from "~/components/Field";
import { ErrorSummary } from "~/components/ErrorSummary";
import { SubmitButton, useSingleSubmit } from "~/components/SubmitButton";
import { isPathOf, loginRedirectUrl, notFound, readForm, safeRedirect } from "~/lib/http";
import { pageMeta } from "~/lib/site";
import type { loader as rootLoader } from "~/root";

export const meta = pageMeta("Sign in");
export { ErrorBoundary } from "~/components/ErrorPage";

/**
 * The sign-in page answers at LOGIN_URL: here at /login by default, through the catch-all route
 * ($.tsx) at any other free path. With LOGIN_URL elsewhere, /login leads there (old links and
 * bookmarks keep working) and takes no sign-ins.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const { loginUrl } = context.config;
  const redirectTo = safeRedirect(url.searchParams.get("redirectTo"), "");
  if (!isPathOf(url.pathname, loginUrl)) throw redirect(redirectTo ? loginRedirectUrl(loginUrl, redirectTo) : loginUrl);
  return json({ redirectTo });
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (!isPathOf(new URL(request.url).pathname, context.config.loginUrl)) throw notFound();
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
  // After registering, or a change that signed this device out, the username is filled in.
  const flash = useRouteLoaderData<typeof rootLoader>("root")?.flash;
  const onSubmit = useSingleSubmit();
  return (
    <Form method="post" className="card" onSubmit={onSubmit}>
      <h1>Sign in</h1>
      <ErrorSummary message={failure?.message} revision={failure} />
      <input type="hidden" name="redirectTo" value={redirectTo} />
      <Field
        label="Username"
        name="username"
        inputProps={{ type: "text", autoComplete: "username", required: true, defaultValue: failure?.username ?? flash?.username ?? undefined }}
      />
      <Field
        label="Password"
        name="password"
        reveal="password"
        inputProps={{ type: "password", autoComplete: "current-password", required: true }}
      />
      <SubmitButton pendingText="Signing in…">Sign in</SubmitButton>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
    </Form>
  );
}
