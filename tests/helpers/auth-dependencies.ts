import type { Store } from "../../db/store.js";
import type { AuthDependencies, AuthRules } from "../../server/auth/dependencies.js";
import { createDeviceService } from "../../server/auth/devices.js";
import { createAuthEvents } from "../../server/auth/events.js";
import { createSessionHandles } from "../../server/auth/session-handles.js";
import { createSessionService } from "../../server/auth/sessions.js";
import { createThrottle } from "../../server/auth/throttle.js";
import { createLogger } from "../../server/logger.js";
import { createNotifier } from "../../server/notify/notifier.js";
import { cheapHasher } from "./cheap-hasher.js";

export const defaultRules: AuthRules = {
  readOnly: false,
  invalidateSessions: true,
  afterPasswordChange: "sign-in-again",
  signOutOtherDevicesChoice: false,
  minPasswordLength: 12,
  maxPasswordLength: 128,
};

const secret = "a test secret of at least 32 characters";

/** Where the flows' e-mails link to in these tests (PUBLIC_ORIGIN's stand-in). */
export const testOrigin = "https://accounts.example";

/** The flows' real dependencies on a real database, with cheap hashing and generous limits. */
export function authDependencies(store: Store, rules: Partial<AuthRules> = {}): AuthDependencies {
  const logger = createLogger("silent");
  return {
    users: store.users,
    passwordResets: store.passwordResets,
    sessions: createSessionService(store, { cookieName: "session", secure: false }),
    sessionHandles: createSessionHandles(secret),
    devices: createDeviceService({ secret, cookieName: "device", secure: false }),
    passwords: cheapHasher,
    throttle: createThrottle(
      store.driver,
      {
        consecutiveAttempts: 50,
        windowSeconds: 900,
        ipDailyAttempts: 50,
        accountDailyAttempts: 100,
        registerAttempts: 50,
        resetAttempts: 3,
        resetIpAttempts: 10,
        resetWindowSeconds: 1800,
      },
      secret,
    ),
    events: createAuthEvents(store.authEvents, logger),
    notifier: createNotifier({ outbox: store.outbox, logger, from: "test <test@localhost>", publicOrigin: () => testOrigin }),
    rules: { ...defaultRules, ...rules },
    now: Date.now,
  };
}
