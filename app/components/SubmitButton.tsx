import { useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";

/** True while this page's form is being submitted (only ever with JavaScript on). */
export function useIsSubmitting(): boolean {
  const navigation = useNavigation();
  return navigation.state !== "idle" && navigation.formMethod?.toUpperCase() === "POST";
}

export function SubmitButton({ children, pendingText }: { children: ReactNode; pendingText: ReactNode }) {
  const submitting = useIsSubmitting();
  return (
    <button type="submit" disabled={submitting} aria-disabled={submitting || undefined}>
      {submitting ? pendingText : children}
    </button>
  );
}
