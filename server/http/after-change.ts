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
