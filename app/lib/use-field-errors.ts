import { useEffect, useState } from "react";

/**
 * The error of the last failed submit, shown on its field until the user types there again.
 * `error.field` is the server's field name; `fieldNames` maps it to the form's input name.
 */
export function useFieldErrors(
  error: { message: string; field?: string | null } | null | undefined,
  fieldNames: Record<string, string>,
) {
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setEdited(new Set()), [error]);
  const errorField = error?.field ? fieldNames[error.field] : undefined;
  return {
    /** The message for the summary at the top, gone once its field has been edited. */
    summary: error && !(errorField && edited.has(errorField)) ? error.message : null,
    errorFor: (name: string) => (errorField === name && !edited.has(name) ? error?.message : null),
    onEdit: (name: string) => setEdited((names) => (names.has(name) ? names : new Set(names).add(name))),
  };
}
