import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { isPathOf, notFound } from "~/lib/http";
import SignIn, { action as signInAction, loader as signInLoader, meta } from "./login";

/**
 * Every path no other page claims. It is the sign-in page when LOGIN_URL names one of them
 * (`/signin`), so the option moves the app's own page rather than pointing at nothing; anywhere
 * else it is "Page not found". Thrown from a matched route, that 404 is rendered after the root
 * loader has run, so it carries the site's colours and the header of whoever is signed in (a path
 * matching no route at all would get Remix's bare 404, without either), and caught by this
 * module's own boundary the root loader runs for a POST too.
 */
const atSignIn = ({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) =>
  isPathOf(new URL(request.url).pathname, context.config.loginUrl);

export async function loader(args: LoaderFunctionArgs) {
  if (!atSignIn(args)) throw notFound();
  return signInLoader(args);
}

export async function action(args: ActionFunctionArgs) {
  if (!atSignIn(args)) throw notFound();
  return signInAction(args);
}

export { meta };
export { ErrorBoundary } from "~/components/ErrorPage";
export default SignIn;
