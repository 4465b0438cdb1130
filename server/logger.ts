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
