import { Link, useRouteError } from "@remix-run/react";
import { errorHeading, isNotFound } from "~/lib/site";

/**
 * Every page's error boundary (each route module exports it, as does the root). Remix runs the
 * root loader for an error page only when the boundary is below the root: a failed action or a
 * 404 caught by the root itself would lose the site's colours and show a signed-in person
 * "Register / Sign in". Caught here, inside the layout, the page keeps both.
 */
export function ErrorBoundary() {
  const error = useRouteError();
  const notFound = isNotFound(error);
  return (
    <div className="card">
      <h1>{errorHeading(error)}</h1>
      <p>{notFound ? "There is nothing at this address." : "Please try again in a moment."}</p>
      <p>
        <Link to="/">Back to the start page</Link>
      </p>
    </div>
  );
}
