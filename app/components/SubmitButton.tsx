import { useNavigation } from "@remix-run/react";
import { useEffect, useRef, type FormEvent, type ReactNode } from "react";

/** True while a form POST of this page is in flight (only ever with JavaScript on). */
export function useIsSubmitting(): boolean {
  const navigation = useNavigation();
  return navigation.state !== "idle" && navigation.formMethod?.toUpperCase() === "POST";
}

/**
 * One click, one request: a second submit while the first is in flight is dropped before Remix
 * sees it (the disabled button alone comes one render too late for a fast double click).
 */
export function useSingleSubmit(): (event: FormEvent<HTMLFormElement>) => void {
  const submitting = useIsSubmitting();
  const inFlight = useRef(false);
  useEffect(() => {
    if (!submitting) inFlight.current = false;
  }, [submitting]);
  return (event) => {
    if (inFlight.current) event.preventDefault();
    else inFlight.current = true;
  };
}

export function SubmitButton({ children, pendingText }: { children: ReactNode; pendingText: ReactNode }) {
  const submitting = useIsSubmitting();
  return (
    <button type="submit" disabled={submitting}>
      {submitting ? pendingText : children}
    </button>
  );
}
