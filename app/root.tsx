import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { formTokenField } from "~/lib/http";
import { useNonce } from "~/lib/nonce";
import stylesHref from "~/styles/app.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesHref },
  // No favicon: an empty one stops browsers asking for /favicon.ico on every page.
  { rel: "icon", href: "data:," },
];

export async function loader({ context }: LoaderFunctionArgs) {
  const me = await context.trpc.auth.me();
  return json({
    styles: context.config.styles,
    darkStyles: context.config.darkStyles,
    username: me?.user.username ?? null,
    formToken: context.formToken,
    flash: context.flash.take(),
  });
}

/** `backgroundColor: "#fff"` becomes `--background-color: #fff`; the values were validated by the config. */
function cssVariables(styles: Record<string, string>): string {
  const declarations = Object.entries(styles).map(
    ([name, value]) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}: ${value};`,
  );
  return `:root { ${declarations.join(" ")} }`;
}

/** Without a dark palette (STYLES set alone), the light one holds whatever the system prefers. */
function colourScheme(light: Record<string, string>, dark: Record<string, string> | null): string {
  return dark ? `${cssVariables(light)} @media (prefers-color-scheme: dark) { ${cssVariables(dark)} }` : cssVariables(light);
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* Form controls and scroll bars follow the palettes offered. */}
        <meta name="color-scheme" content={data?.darkStyles === null ? "light" : "light dark"} />
        <Meta />
        <Links />
        {data ? <style nonce={nonce} dangerouslySetInnerHTML={{ __html: colourScheme(data.styles, data.darkStyles) }} /> : null}
      </head>
      <body>
        <header className="site-header">
          <Link to="/" className="brand">
            Change Password Demo
          </Link>
          <nav aria-label="Account">
            {data?.username ? (
              <>
                <span>{data.username}</span>
                <Link to="/private/change-password">Change password</Link>
                <Form method="post" action="/logout">
                  <input type="hidden" name={formTokenField} value={data.formToken ?? ""} />
                  <button type="submit" className="link-button">
                    Sign out
                  </button>
                </Form>
              </>
            ) : (
              <>
                <Link to="/register">Register</Link>
                <Link to="/login">Sign in</Link>
              </>
            )}
          </nav>
        </header>
        <main>
          {data?.flash ? (
            <p className="flash" role="status">
              {data.flash}
            </p>
          ) : null}
          {children}
        </main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <div className="card">
      <h1>{notFound ? "Page not found" : "Something went wrong"}</h1>
      <p>{notFound ? "There is nothing at this address." : "Please try again in a moment."}</p>
      <p>
        <Link to="/">Back to the start page</Link>
      </p>
    </div>
  );
}
