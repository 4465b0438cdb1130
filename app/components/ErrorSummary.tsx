import { useEffect, useRef } from "react";

/**
 * The form-level message in the seed's `<p class="error">`, announced (`role="alert"`) and focused
 * after a failed submit: by the `autofocus` attribute when the page was reloaded (no JavaScript),
 * by an effect when Remix submitted it without a reload.
 */
export function ErrorSummary({ message, revision }: { message?: string | null; revision?: unknown }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message) ref.current?.focus();
  }, [message, revision]);
  if (!message) return null;
  return (
    <p className="error form-error" role="alert" id="form-error" tabIndex={-1} ref={ref} autoFocus>
      {message}
    </p>
  );
}
