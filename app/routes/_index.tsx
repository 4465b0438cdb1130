import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";

export const meta: MetaFunction = () => [{ title: "Change Password Demo" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const me = await context.trpc.auth.me();
  return json({ username: me?.user.username ?? null });
}

export default function Index() {
  const { username } = useLoaderData<typeof loader>();
  return (
    <div className="card">
      <h1>Change Password Demo</h1>
      <p>{username ? `You are signed in as ${username}.` : "You are not signed in."}</p>
      <ol>
        <li>
          First <Link to="/register">register</Link>
        </li>
        <li>
          Then <Link to="/login">sign in</Link>
        </li>
        <li>
          Then try <Link to="/private/change-password">changing your password</Link>
        </li>
      </ol>
    </div>
  );
}
