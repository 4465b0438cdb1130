import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";

/**
 * Loaded on demand (a dynamic import from StrengthMeter), so its dictionaries never weigh on the
 * page's first load. It only guides: the server's policy decides.
 */
const zxcvbn = new ZxcvbnFactory({ graphs: adjacencyGraphs, dictionary });

export type Score = 0 | 1 | 2 | 3 | 4;

export function estimateStrength(password: string, userInputs: string[]): Score {
  return zxcvbn.check(password, userInputs).score;
}
