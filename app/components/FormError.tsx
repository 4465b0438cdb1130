/** The form-level message, in the seed's `<p class="error">`, announced when it appears. */
export function FormError({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <p className="error form-error" role="alert" id="form-error">
      {message}
    </p>
  );
}
