import { useEffect, useRef, type MouseEvent } from "react";
import type { Summary } from "~/lib/use-field-errors";

/**
 * The box at the top of a form after a failed submit, announced (`role="alert"`) and focused: by
 * the `autofocus` attribute when the page was reloaded (no JavaScript), by an effect when Remix
 * submitted it without a reload. It holds either the message that concerns no one field (the
 * seed's `<p class="error">`), or links to the wrong fields, whose messages stand next to them,
 * so that each message is on the page once.
 */
export function ErrorSummary({ message, links = [], revision }: Partial<Summary> & { revision?: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  const shown = Boolean(message) || links.length > 0;
  useEffect(() => {
    if (shown) ref.current?.focus();
  }, [shown, revision]);
  if (!shown) return null;
  return (
    <div className="error-summary" role="alert" id="form-error" tabIndex={-1} ref={ref} autoFocus>
      {message ? <p className="error form-error">{message}</p> : null}
      {links.length > 0 ? (
        <>
          <p className="error-summary-title">{links.length === 1 ? "Check this field:" : `Check these ${links.length} fields:`}</p>
          <ul>
            {links.map(({ href, label }) => (
              <li key={href}>
                <a href={href} onClick={focusField}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/**
 * With JavaScript, a link moves the focus into its field (a fragment alone only scrolls there) and
 * leaves the URL alone: a hash change would be a navigation to Remix, and clear the errors.
 */
function focusField(event: MouseEvent<HTMLAnchorElement>) {
  const field = document.getElementById(event.currentTarget.hash.slice(1));
  if (!field) return;
  event.preventDefault();
  field.focus();
}
