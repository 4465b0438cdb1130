import type { ReactNode } from "react";

/** The notice's id, for the disabled fieldset's aria-describedby. */
export const readOnlyNoticeId = "read-only-notice";

/**
 * Said at the top of a form that READ_ONLY turns off, before anyone types, next to the form's
 * disabled fieldset (the server refuses such a change anyway, with 405).
 */
export function ReadOnlyNotice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" id={readOnlyNoticeId}>
      <strong>This site is in read-only mode.</strong> {children}
    </p>
  );
}
