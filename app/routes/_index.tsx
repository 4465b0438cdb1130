import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { pageMeta, siteName } from "~/lib/site";

export const meta = pageMeta("Start");
export { ErrorBoundary } from "~/components/ErrorPage";

export async function loader({ context }: LoaderFunctionArgs) {
  const me = await context.trpc.auth.me();
  return json({ username: me?.user.username ?? null, loginUrl: context.config.loginUrl });
}

/** Says where the visitor stands and offers only the next steps that make sense from there. */
export default function Index() {
  const { username, loginUrl } = useLoaderData<typeof loader>();
  return (
    <div className="card">
      <h1>{siteName}</h1>
      {username ? (
        <>
          <p>{`You are signed in as ${username}.`}</p>
          <p>
            <Link to="/private/change-password">Change your password</Link>
          </p>
          <p className="hint">When you are done, sign out at the top of the page.</p>
        </>
      ) : (
        <>
          <p>You are not signed in.</p>
          <ol>
            <li>
              First <Link to="/register">register</Link>
            </li>
            <li>
              Then <Link to={loginUrl}>sign in</Link>
            </li>
            <li>
              Then try <Link to="/private/change-password">changing your password</Link>
            </li>
          </ol>
        </>
      )}
    </div>
  );
}
