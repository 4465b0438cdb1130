import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { ChangePasswordForm } from "~/components/ChangePasswordForm";
import { readChangePasswordFields } from "~/forms/change-password";
import { formExpiredMessage, formTokenField, readForm } from "~/lib/http";
import { redirectToSignIn } from "~/lib/sign-in.server";
import { pageMeta } from "~/lib/site";

export const meta = pageMeta("Change password");
export { ErrorBoundary } from "~/components/ErrorPage";

const pagePath = "/private/change-password";

export async function loader({ context }: LoaderFunctionArgs) {
  const me = await context.trpc.auth.me();
  if (!me) throw redirectToSignIn(context, pagePath);
  const { minPasswordLength, maxPasswordLength, readOnly, afterChangeHint } = context.config;
  return json({
    username: me.user.username,
    email: me.user.email,
    minPasswordLength,
    maxPasswordLength,
    readOnly,
    afterChangeHint,
    formToken: context.formToken,
  });
}

/** Form POST (JavaScript on or off). JSON bodies never get here: server/http/change-password-json.ts answers them. */
export async function action({ request, context }: ActionFunctionArgs) {
  const me = await context.trpc.auth.me();
  if (!me) throw redirectToSignIn(context, pagePath, { formSent: true });

  const form = await readForm(request);
  // The Origin check already stopped cross-site posts; the session-bound token is the second lock.
  if (!context.checkFormToken(form.get(formTokenField))) {
    return json({ message: formExpiredMessage, field: null }, 403);
  }
  const fields = readChangePasswordFields((name) => form.get(name));
  if (!fields.ok) return json({ message: fields.message, field: null }, 422);

  const result = await context.call((trpc) => trpc.auth.changePassword(fields.input));
  if (result.ok) {
    context.flash.passwordChanged({ ...result.data, username: me.user.username });
    return redirect(result.data.redirectTo, 303);
  }
  const { failure } = result;
  // The session or the account ended meanwhile (signed out elsewhere): to the sign-in page, which says so.
  if (failure.reason === "not_signed_in" || failure.reason === "unknown_user") {
    throw redirectToSignIn(context, pagePath, { formSent: true });
  }
  // The messages and the fields they concern, every wrong one: no password goes back into the page.
  const fieldErrors = (failure.fieldFailures ?? []).map(({ field, message }) => ({ field, message }));
  return json({ message: failure.message, field: failure.field ?? null, fieldErrors }, result.status);
}

export default function ChangePasswordPage() {
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <ChangePasswordForm {...page} error={result ?? null} />
  );
}
