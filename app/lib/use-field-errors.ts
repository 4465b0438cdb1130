import { useEffect, useState } from "react";

/**
 * What an action sends back after a failed submit (never a password): the request's message, and
 * each wrong field's own message. `field` and `fieldErrors` use the server's field names.
 */
export type FormFailure = {
  message: string;
  field?: string | null;
  fieldErrors?: readonly { field: string; message: string }[] | null;
};

/**
 * What a page's action sends back from a flow's refusal: the message, the field it concerns and
 * every wrong field's message; no password ever.
 */
export function formFailureOf(failure: {
  message: string;
  field?: string | null;
  fieldFailures?: readonly { field: string; message: string }[];
}): { message: string; field: string | null; fieldErrors: { field: string; message: string }[] | null } {
  const fieldErrors = failure.fieldFailures?.map(({ field, message }) => ({ field, message })) ?? null;
  return { message: failure.message, field: failure.field ?? null, fieldErrors };
}

/** A form's fields in the order the page shows them: the server's name, the input's name, the label. */
export type FormFields = readonly { field: string; name: string; label: string }[];

/** The summary at the top: a message that concerns no one field, or links to the wrong fields. */
export type Summary = { message: string | null; links: { href: string; label: string }[] };

/** The input's id, which `Field` derives from its name: what the summary's links point at. */
export const fieldId = (name: string) => `field-${name}`;

/**
 * The errors of the last failed submit: each shown once, next to its field, until the user types
 * there again; the summary links to the fields still wrong, in the page's order. A failure that
 * names no field (an expired form, a rate limit) is the summary's own message.
 */
export function useFieldErrors(failure: FormFailure | null | undefined, fields: FormFields) {
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setEdited(new Set()), [failure]);
  const reported = failure?.fieldErrors ?? (failure?.field ? [{ field: failure.field, message: failure.message }] : []);
  const open = fields.flatMap(({ field, name, label }) => {
    const error = reported.find((candidate) => candidate.field === field);
    return error && !edited.has(name) ? [{ name, label, message: error.message }] : [];
  });
  // A failure none of whose fields this form shows is the summary's own message, like one with no field.
  const shown = reported.some((error) => fields.some(({ field }) => field === error.field));
  const summary: Summary = {
    message: failure && !shown ? failure.message : null,
    links: open.map(({ name, label }) => ({ href: `#${fieldId(name)}`, label })),
  };
  return {
    summary,
    errorFor: (name: string) => open.find((error) => error.name === name)?.message ?? null,
    onEdit: (name: string) => setEdited((names) => (names.has(name) ? names : new Set(names).add(name))),
  };
}
