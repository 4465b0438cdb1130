import type { MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse } from "@remix-run/react";

/** The site's name, in the header and at the end of every page title. */
export const siteName = "Change Password Demo";

/** Every page's title: "<what the page is> — <site name>", so tabs and history read the same way. */
export function pageTitle(page: string): string {
  return `${page} — ${siteName}`;
}

/** A page's `meta`: its title, or the error page's when its error boundary shows instead. */
export function pageMeta(page: string): MetaFunction {
  return ({ error }) => [{ title: pageTitle(error ? errorHeading(error) : page) }];
}

export const isNotFound = (error: unknown) => isRouteErrorResponse(error) && error.status === 404;

/** The heading and title of an error page. */
export function errorHeading(error: unknown): string {
  return isNotFound(error) ? "Page not found" : "Something went wrong";
}
