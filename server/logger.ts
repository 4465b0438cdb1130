import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs. Auth events are logged field by field (server/auth/events.ts), never with a
 * request, body or headers attached; the redaction below is a second line of defence.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["password", "*.password", "currentPassword", "newPassword", "token", "cookie", "authorization", "*.headers"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * An error nobody expected, as one JSON line (pino puts its stack inside, escaped), never as
 * console.error's multi-line text, which log collectors split into unrelated lines.
 */
export function logUnexpectedError(logger: Logger, error: unknown): void {
  logger.error({ err: error }, "unexpected error");
}
