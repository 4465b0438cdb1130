/**
 * Which content coding to send for a request's Accept-Encoding (RFC 9110 §12.5.3), for the
 * precompressed assets and the compressed pages alike.
 */

/** The codings we can produce. Listed best first: on equal weights br wins (smaller than gzip). */
export type Coding = "br" | "gzip";
export const codings: readonly Coding[] = ["br", "gzip"];

/** RFC 9110 §8.4.1.3: "x-gzip" is gzip. */
const aliases: Record<string, string> = { "x-gzip": "gzip" };
// A weight is 0 to 1 with at most three decimals (RFC 9110 §12.4.2); anything else voids its entry.
const weightPattern = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The coding to send, out of `offered`, or "identity". The highest weight wins, br before gzip
 * before identity on a tie. Codings the header does not name (and no `*`) are not acceptable;
 * identity is, at the lowest weight, unless the header names it (or `*`) with its own weight.
 * No header at all means identity: a client that says nothing may not decode anything. When the
 * header refuses everything, identity included, we send identity anyway, as RFC 9110 §12.1 allows:
 * a 406 would help nobody.
 */
export function negotiateCoding(acceptEncoding: string | null, offered: readonly Coding[] = codings): Coding | "identity" {
  if (acceptEncoding === null) return "identity";
  const weights = parseAcceptEncoding(acceptEncoding);
  const weightOf = (name: string): number | undefined => weights.get(name) ?? weights.get("*");
  let best: Coding | "identity" = "identity";
  let bestWeight = weightOf("identity") ?? Number.MIN_VALUE;
  // Best first, so a later coding must weigh strictly more to win.
  for (const coding of codings) {
    const weight = weightOf(coding) ?? 0;
    if (offered.includes(coding) && weight > 0 && (weight > bestWeight || (best === "identity" && weight === bestWeight))) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/** Coding name (lower case) → weight; the first entry for a name counts, malformed ones are skipped. */
function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const entry of header.split(",")) {
    const [rawName = "", ...parameters] = entry.split(";").map((part) => part.trim());
    const name = rawName.toLowerCase();
    if (!name) continue;
    let weight = 1;
    for (const parameter of parameters) {
      const [key = "", value = ""] = parameter.split("=").map((part) => part.trim());
      if (key.toLowerCase() === "q") weight = weightPattern.test(value) ? Number(value) : Number.NaN;
    }
    const coding = aliases[name] ?? name;
    if (!Number.isNaN(weight) && !weights.has(coding)) weights.set(coding, weight);
  }
  return weights;
}
