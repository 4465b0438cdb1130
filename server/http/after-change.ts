import type { PasswordChanged } from "../auth/change-password.js";
import type { SessionService } from "../auth/sessions.js";
import type { Config } from "../config.js";

/**
 * What a successful change means for the device that asked, the same for every door: its cookie
 * goes when it was signed out (like the seed), a fresh one comes when it was given a new session
 * (only to a cookie holder: a bearer client gets the token in the answer instead).
 */
export function afterChangeCookies(
  sessions: SessionService,
  result: Pick<PasswordChanged, "thisDevice" | "newSession">,
  via: "cookie" | "bearer",
): string[] {
  if (result.thisDevice === "signed-out") return [sessions.blankCookie()];
  if (result.newSession && via === "cookie") return [sessions.cookie(result.newSession.token)];
  return [];
}

/** Where the device goes next: the sign-in page when it was signed out, the success page otherwise. */
export function afterChangeLocation(config: Pick<Config, "loginUrl" | "passwordChangedUrl">, result: Pick<PasswordChanged, "thisDevice">): string {
  return result.thisDevice === "signed-out" ? config.loginUrl : config.passwordChangedUrl;
}

/** Said on the form before anything happens, so nobody is surprised: follows the same options. */
export function afterChangeHint(options: {
  afterPasswordChange: "sign-in-again" | "stay-signed-in";
  invalidateSessions: boolean;
  signOutOtherDevicesChoice?: boolean;
}): string {
  // The form's checkbox decides for the other devices: the hint says only what holds either way.
  if (options.signOutOtherDevicesChoice) {
    const thisDevice =
      options.afterPasswordChange === "stay-signed-in" ? "you stay signed in on this device" : "you will be asked to sign in again on this device";
    return `After the change, ${thisDevice}; your other devices are signed out only if you choose "Sign out of all other devices".`;
  }
  if (options.afterPasswordChange === "stay-signed-in") {
    return options.invalidateSessions
      ? "After the change, this device stays signed in and every other device is signed out."
      : "After the change, you stay signed in on this device and on your other devices.";
  }
  return options.invalidateSessions
    ? "After the change, you will be signed out everywhere and asked to sign in again."
    : "After the change, you will be asked to sign in again on this device; your other devices stay signed in.";
}
