/**
 * Figures from several short rounds: the median says what is typical, min–max how much this
 * machine swung while measuring. One long run would hide a noisy neighbour in a single number.
 */

export type Spread = { median: number; min: number; max: number; values: number[] };

export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, values };
  const sorted = values.slice().sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

/** The p-th percentile of already sorted values, by linear interpolation between neighbours. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  return Math.abs(value) >= 100 ? Math.round(value) : Math.abs(value) >= 10 ? Math.round(value * 10) / 10 : Math.round(value * 100) / 100;
}

/** "48.3 (45.1–50.2)": the median, then the range over the rounds. */
export function showSpread(figure: Spread, unit = ""): string {
  const suffix = unit ? ` ${unit}` : "";
  if (figure.values.length < 2) return `${round(figure.median)}${suffix}`;
  return `${round(figure.median)}${suffix} (${round(figure.min)}–${round(figure.max)})`;
}
