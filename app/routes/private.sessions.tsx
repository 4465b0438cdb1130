import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorSummary } from "~/components/ErrorSummary";
import { useSingleSubmit } from "~/components/SubmitButton";
import { formExpiredMessage, formTokenField, readForm } from "~/lib/http";
import { redirectToSignIn } from "~/lib/sign-in.server";

export const meta: MetaFunction = () => [{ title: "Signed-in devices — Change Password Demo" }];

const pagePath = "/private/sessions";
const intentField = "intent";
const sessionField = "session";

export async function loader({ context }: LoaderFunctionArgs) {
  const me = await context.trpc.auth.me();
  if (!me) throw redirectToSignIn(context, pagePath);
  const { sessions } = await context.trpc.auth.sessions();
  return json({ username: me.user.username, devices: sessions, formToken: context.formToken });
}

/**
 * Form POST (JavaScript on or off): `intent=sign-out` with the device's opaque id, or
 * `intent=sign-out-others`. Post/Redirect/Get with a one-shot confirmation.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  // A device signed out meanwhile is sent to sign in, told why, and brought back here.
  if (!(await context.trpc.auth.me())) throw redirectToSignIn(context, pagePath, { formSent: true });
  const form = await readForm(request);
  if (!context.checkFormToken(form.get(formTokenField))) return json({ message: formExpiredMessage }, 403);

  const intent = form.get(intentField);
  if (intent === "sign-out-others") {
    const result = await context.call((trpc) => trpc.auth.signOutOtherSessions());
    if (!result.ok) return json({ message: result.failure.message }, result.status);
    context.flash.devicesSignedOut(result.data.signedOut);
    return redirect(pagePath, 303);
  }
  const sessionId = form.get(sessionField);
  if (intent === "sign-out" && typeof sessionId === "string") {
    const result = await context.call((trpc) => trpc.auth.signOutSession({ sessionId }));
    if (!result.ok) return json({ message: result.failure.message }, result.status);
    context.flash.devicesSignedOut("one");
    return redirect(pagePath, 303);
  }
  return json({ message: "Form is invalid. Choose a device to sign out." }, 422);
}

type Device = ReturnType<typeof useLoaderData<typeof loader>>["devices"][number];

/** The same text on the server and in the browser (no time zone or locale of the reader's): UTC, to the minute. */
function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "Firefox on Linux": names from the server's fixed lists, never the User-Agent text. */
function deviceName(device: Device): string {
  const browser = device.browser ?? "Unknown browser";
  return device.system ? `${browser} on ${device.system}` : browser;
}

export default function SignedInDevices() {
  const { username, devices, formToken } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const navigation = useNavigation();
  const onSubmit = useSingleSubmit();
  const submitting = navigation.state !== "idle" && navigation.formMethod?.toUpperCase() === "POST";
  const pending = submitting ? navigation.formData : undefined;
  const others = devices.filter((device) => !device.current);

  return (
    <div className="card">
      <h1>Signed-in devices</h1>
      <p>{`These devices are signed in as ${username}. If you do not recognise one, sign it out and change your password.`}</p>
      <ErrorSummary message={failure?.message} revision={failure} />
      <ul className="device-list">
        {devices.map((device) => {
          const name = deviceName(device);
          return (
            <li key={device.id} className="device">
              <h2>
                {name}
                {device.current ? (
                  <>
                    {" "}
                    <span className="badge">(this device)</span>
                  </>
                ) : null}
              </h2>
              <dl>
                <dt>IP address</dt>
                <dd>{device.ip ?? "Unknown"}</dd>
                <dt>Signed in</dt>
                <dd>
                  <time dateTime={device.signedInAt}>{formatTime(device.signedInAt)}</time>
                </dd>
                <dt>Last seen</dt>
                <dd>
                  {device.current ? (
                    "Now"
                  ) : device.lastSeenAt ? (
                    <time dateTime={device.lastSeenAt}>{formatTime(device.lastSeenAt)}</time>
                  ) : (
                    "Unknown"
                  )}
                </dd>
              </dl>
              {device.current ? null : (
                <Form method="post" onSubmit={onSubmit}>
                  <input type="hidden" name={formTokenField} value={formToken ?? ""} />
                  <input type="hidden" name={intentField} value="sign-out" />
                  <input type="hidden" name={sessionField} value={device.id} />
                  <button type="submit" disabled={submitting}>
                    {pending?.get(sessionField) === device.id ? "Signing out…" : "Sign out"}
                    {/* Each button says which device it signs out. */}
                    <span className="visually-hidden">{` ${name}, signed in ${formatTime(device.signedInAt)}`}</span>
                  </button>
                </Form>
              )}
            </li>
          );
        })}
      </ul>
      {others.length > 0 ? (
        <Form method="post" onSubmit={onSubmit}>
          <input type="hidden" name={formTokenField} value={formToken ?? ""} />
          <input type="hidden" name={intentField} value="sign-out-others" />
          <button type="submit" disabled={submitting}>
            {pending?.get(intentField) === "sign-out-others" ? "Signing out…" : "Sign out everywhere else"}
          </button>
        </Form>
      ) : (
        <p>No other device is signed in.</p>
      )}
      <p>
        <Link to="/private/change-password">Change password</Link>
      </p>
    </div>
  );
}
