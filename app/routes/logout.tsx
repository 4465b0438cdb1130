import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { ErrorSummary } from "~/components/ErrorSummary";
import { formExpiredMessage, formTokenField, readForm } from "~/lib/http";
import { pageMeta } from "~/lib/site";

export const meta = pageMeta("Sign out");
export { ErrorBoundary } from "~/components/ErrorPage";

export async function loader({ context }: LoaderFunctionArgs) {
  return json({ formToken: context.formToken });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  if (!context.checkFormToken(form.get(formTokenField))) return json({ message: formExpiredMessage }, 403);
  const result = await context.call((trpc) => trpc.auth.logout());
  if (!result.ok) return json({ message: result.failure.message }, result.status);
  context.flash.signedOut();
  return redirect("/", 303);
}

/** GET never signs anyone out (a link or an image could trigger it); it offers the button instead. */
export default function Logout() {
  const { formToken } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  return (
    <Form method="post" className="card">
      <h1>Sign out</h1>
      <ErrorSummary message={failure?.message} revision={failure} />
      <input type="hidden" name={formTokenField} value={formToken ?? ""} />
      <button type="submit">Sign out</button>
    </Form>
  );
}
