import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { redirectToSignIn } from "~/lib/sign-in.server";
import type { loader as rootLoader } from "~/root";

export const meta: MetaFunction = () => [{ title: "Password changed" }];

const pagePath = "/private/password-changed";

/** Where `stay-signed-in` lands. The message itself is the one-shot flash shown by root.tsx. */
export async function loader({ context }: LoaderFunctionArgs) {
  const me = await context.trpc.auth.me();
  if (!me) throw redirectToSignIn(context, pagePath);
  return json({ username: me.user.username });
}

export default function PasswordChanged() {
  const { username } = useLoaderData<typeof loader>();
  const root = useRouteLoaderData<typeof rootLoader>("root");
  return (
    <div className="card">
      {/* After a reload the one-shot message is gone: the page then says nothing it cannot stand by. */}
      <h1>{root?.flash ? "Password changed" : "Your account"}</h1>
      <p>{`You are signed in as ${username} on this device.`}</p>
      <p>
        <Link to="/">Back to the start page</Link>
      </p>
    </div>
  );
}
