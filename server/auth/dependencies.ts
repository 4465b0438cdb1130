import type { PasswordResetStore, UserStore } from "../../db/store.js";
import type { Notifier } from "../notify/notifier.js";
import type { DeviceService } from "./devices.js";
import type { AuthEvents } from "./events.js";
import type { PasswordLimits } from "./password-strength.js";
import type { PasswordHasher } from "./passwords.js";
import type { SessionHandles } from "./session-handles.js";
import type { SessionService } from "./sessions.js";
import type { Throttle } from "./throttle.js";

export type AfterPasswordChange = "sign-in-again" | "stay-signed-in";

/** The options that change what the flows decide (a subset of the app's config, same names). */
export type AuthRules = PasswordLimits & {
  readOnly: boolean;
  /** Whether a password change ends the account's other sessions (the seed's `session_table`). */
  invalidateSessions: boolean;
  afterPasswordChange: AfterPasswordChange;
  /** Whether the owner may decide per change to sign out the other devices (or keep them), in place of `invalidateSessions`. */
  signOutOtherDevicesChoice: boolean;
};

/** Everything the flows in server/auth work with, built once per app (server/services.ts). */
export type AuthDependencies = {
  users: UserStore;
  passwordResets: PasswordResetStore;
  sessions: SessionService;
  sessionHandles: SessionHandles;
  devices: DeviceService;
  passwords: PasswordHasher;
  throttle: Throttle;
  events: AuthEvents;
  notifier: Notifier;
  rules: AuthRules;
  now: () => number;
};
