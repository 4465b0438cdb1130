import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  Form,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { formTokenField } from "~/lib/http";
import { ErrorBoundary } from "~/components/ErrorPage";
import { useNonce } from "~/lib/nonce";
import { errorHeading, pageTitle, siteName } from "~/lib/site";
import stylesHref from "~/styles/app.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesHref },
  // No favicon: an empty one stops browsers asking for /favicon.ico on every page.
  { rel: "icon", href: "data:," },
];

/** Pages name themselves; this titles the error page of a failure in the root itself. */
export const meta: MetaFunction = ({ error }) => (error ? [{ title: pageTitle(errorHeading(error)) }] : []);

export async function loader({ context }: LoaderFunctionArgs) {
  const me = await context.trpc.auth.me();
  return json({
    styles: context.config.styles,
    darkStyles: context.config.darkStyles,
    username: me?.user.username ?? null,
    loginUrl: context.config.loginUrl,
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
            {siteName}
          </Link>
          <nav aria-label="Account">
            {data?.username ? (
              <>
                {/* A long name is cut short with an ellipsis (the whole of it in the tooltip and for screen readers), so the links stay on one line. */}
                <span className="username" title={data.username}>
                  <span className="visually-hidden">Signed in as </span>
                  {data.username}
                </span>
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
                <Link to={data?.loginUrl ?? "/login"}>Sign in</Link>
              </>
            )}
          </nav>
        </header>
        <main>
          {data?.flash ? (
            <p className="flash" role="status">
              {data.flash.message}
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

/** The root's own failures (its loader's): the same error page, without the loader's data. */
export { ErrorBoundary };
