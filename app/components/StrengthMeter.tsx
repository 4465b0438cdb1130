import { useEffect, useState } from "react";
import type { Score } from "~/lib/password-strength";

const labels = ["Very weak", "Weak", "Fair", "Good", "Strong"];

/** A guide while typing a new password (JavaScript only). zxcvbn arrives with the first keystroke. */
export function StrengthMeter({ password, userInputs, id }: { password: string; userInputs: string[]; id: string }) {
  const [strength, setStrength] = useState<Score | null>(null);
  const inputs = userInputs.join("\u0000");
  useEffect(() => {
    if (!password) {
      setStrength(null);
      return;
    }
    let current = true;
    void import("~/lib/password-strength").then(({ estimateStrength }) => {
      if (current) setStrength(estimateStrength(password, inputs.split("\u0000")));
    });
    return () => {
      current = false;
    };
  }, [password, inputs]);
  if (!password || strength === null) return <p className="strength" id={id} aria-live="polite" />;
  return (
    <p className="strength" id={id} aria-live="polite">
      <meter min={0} max={4} low={2} high={3} optimum={4} value={strength} aria-label="Password strength" />{" "}
      <span>{`Strength: ${labels[strength]}.`}</span>
    </p>
  );
}
