import { createAuthEventQueries } from "../../db/auth-events.js";
import type { Db } from "../../db/database.js";
import { createOutboxQueries } from "../../db/outbox.js";
import { createUserQueries } from "../../db/users.js";
import type { AuthDependencies, AuthRules } from "../../server/auth/dependencies.js";
import { createDeviceService } from "../../server/auth/devices.js";
import { createAuthEvents } from "../../server/auth/events.js";
import { createSessionService } from "../../server/auth/sessions.js";
import { createThrottle } from "../../server/auth/throttle.js";
import { createLogger } from "../../server/logger.js";
import { createNotifier } from "../../server/notify/notifier.js";
import { cheapHasher } from "./cheap-hasher.js";

export const defaultRules: AuthRules = {
  readOnly: false,
  invalidateSessions: true,
  afterPasswordChange: "sign-in-again",
  minPasswordLength: 12,
  maxPasswordLength: 128,
};

const secret = "a test secret of at least 32 characters";

/** The flows' real dependencies on a real SQLite file, with cheap hashing and generous limits. */
export function authDependencies(db: Db, rules: Partial<AuthRules> = {}): AuthDependencies {
  const logger = createLogger("silent");
  return {
    users: createUserQueries(db),
    sessions: createSessionService(db, { cookieName: "session", secure: false }),
    devices: createDeviceService({ secret, cookieName: "device", secure: false }),
    passwords: cheapHasher,
    throttle: createThrottle(
      db,
      { consecutiveAttempts: 50, windowSeconds: 900, ipDailyAttempts: 50, accountDailyAttempts: 100, registerAttempts: 50 },
      secret,
    ),
    events: createAuthEvents(createAuthEventQueries(db), logger),
    notifier: createNotifier({ outbox: createOutboxQueries(db), logger, from: "test <test@localhost>" }),
    rules: { ...defaultRules, ...rules },
    now: Date.now,
  };
}
