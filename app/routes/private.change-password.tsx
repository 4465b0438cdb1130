import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { ChangePasswordForm } from "~/components/ChangePasswordForm";
import { readChangePasswordFields, readSignOutOtherDevices, signOutOtherDevicesField } from "~/forms/change-password";
import { formExpiredMessage, formTokenField, readForm } from "~/lib/http";
import { formFailureOf } from "~/lib/use-field-errors";
import { redirectToSignIn } from "~/lib/sign-in.server";
import { pageMeta } from "~/lib/site";

export const meta = pageMeta("Change password");
export { ErrorBoundary } from "~/components/ErrorPage";

const pagePath = "/private/change-password";

export async function loader({ context }: LoaderFunctionArgs) {
  const me = await context.trpc.auth.me();
  if (!me) throw redirectToSignIn(context, pagePath);
  const { minPasswordLength, maxPasswordLength, readOnly, afterChangeHint, signOutOtherDevicesChoice, invalidateSessions } = context.config;
  return json({
    // Offered only when configured; ticked to begin with when the app's own setting signs the others out.
    otherDevicesChoice: signOutOtherDevicesChoice ? { checked: invalidateSessions } : null,
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
  // The checkbox's "yes" follows its hidden "no": the last value is the answer.
  const choice = readSignOutOtherDevices(form.getAll(signOutOtherDevicesField).at(-1));
  if (!choice.ok) return json({ message: choice.message, field: null }, 422);

  const result = await context.call((trpc) => trpc.auth.changePassword({ ...fields.input, signOutOtherDevices: choice.value }));
  if (result.ok) {
    context.flash.passwordChanged({ ...result.data, username: me.user.username });
    return redirect(result.data.redirectTo, 303);
  }
  const { failure } = result;
  // The session or the account ended meanwhile (signed out elsewhere): to the sign-in page, which says so.
  if (failure.reason === "not_signed_in" || failure.reason === "unknown_user") {
    throw redirectToSignIn(context, pagePath, { formSent: true });
  }
  // The messages, the fields they concern (every wrong one) and the choice made: no password goes back into the page.
  return json({ ...formFailureOf(failure), signOutOtherDevices: choice.value }, result.status);
}

export default function ChangePasswordPage() {
  const { otherDevicesChoice, ...page } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  // After a refused attempt the box stays as the person left it.
  const chosen = result && "signOutOtherDevices" in result ? result.signOutOtherDevices : undefined;
  return (
    <>
      <ChangePasswordForm
        {...page}
        error={result ?? null}
        otherDevicesChoice={otherDevicesChoice ? { checked: chosen ?? otherDevicesChoice.checked } : null}
      />
      <p className="page-links">
        <Link to="/private/sessions">See the devices signed in to your account</Link>
      </p>
    </>
  );
}
