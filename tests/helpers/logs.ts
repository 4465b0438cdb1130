import { createLogger } from "../../server/logger.js";

/** A real pino logger whose JSON lines are kept in memory for the test to read. */
export function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
  return {
    logger,
    text: () => lines.join(""),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
