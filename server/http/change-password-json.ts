import { readChangePasswordFields, readSignOutOtherDevices, signOutOtherDevicesField } from "../../app/forms/change-password.js";
import type { Requester } from "../auth/account.js";
import { changePassword } from "../auth/change-password.js";
import { failureStatus } from "../auth/failures.js";
import { usesHttps } from "../config.js";
import type { Services } from "../services.js";
import { afterChangeCookies, afterChangeLocation } from "./after-change.js";
import type { Authentication } from "./authenticate.js";
import type { RequestCookies } from "./cookies.js";
import { createFlash } from "./flash.js";
import { jsonResponse } from "./responses.js";

export type JsonDoorInput = {
  services: Services;
  auth: Authentication | null;
  requester: Requester;
  cookies: RequestCookies;
  resHeaders: Headers;
};

/**
 * The seed-compatible JSON door on the page's URL: the body piccolo_api takes, its statuses and
 * `{"detail": message}` errors, backed by the same change-password flow as every other door.
 */
export async function changePasswordJson(request: Request, { services, auth, requester, cookies, resHeaders }: JsonDoorInput): Promise<Response> {
  // Signed-out requests never reach the endpoint in the seed either: its middleware answers first.
  if (!auth) return detail(failureStatus("not_signed_in"), "Not signed in.");

  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return detail(422, "Request body must be valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return detail(422, "Request body must be a JSON object.");
  }
  const object = body as Record<string, unknown>;
  const fields = readChangePasswordFields((name) => (Object.hasOwn(object, name) ? object[name] : undefined));
  if (!fields.ok) return detail(422, fields.message);
  const choice = readSignOutOtherDevices(Object.hasOwn(object, signOutOtherDevicesField) ? object[signOutOtherDevicesField] : undefined);
  if (!choice.ok) return detail(422, choice.message);

  const result = await changePassword(services.auth, {
    authority: { by: "owner", session: auth.session, currentPassword: fields.input.currentPassword, requester },
    newPassword: fields.input.newPassword,
    confirmNewPassword: fields.input.confirmNewPassword,
    signOutOtherDevices: choice.value,
  });
  if (!result.ok) {
    const headers: HeadersInit = result.retryAfterSeconds === undefined ? {} : { "retry-after": String(result.retryAfterSeconds) };
    return detail(failureStatus(result.reason), result.message, headers);
  }
  const location = afterChangeLocation(services.config, result);
  // A bearer client whose token was just replaced must receive the new one: a redirect has no
  // place for it (and a client that follows it would lose it), so it gets the token as JSON.
  if (auth.via === "bearer" && result.newSession) {
    const { token, expiresAt } = result.newSession;
    return jsonResponse(200, { redirectTo: location, token, expiresAt: expiresAt.toISOString() });
  }
  for (const cookie of afterChangeCookies(services.auth.sessions, result, auth.via)) resHeaders.append("Set-Cookie", cookie);
  const signedOut = result.thisDevice === "signed-out";
  createFlash(cookies, resHeaders, usesHttps(services.config)).passwordChanged({ signedOut, ...result, username: auth.user.username });
  return new Response(null, {
    status: 303,
    headers: { location, "cache-control": "no-store" },
  });
}

function detail(status: number, message: string, headers: HeadersInit = {}): Response {
  return jsonResponse(status, { detail: message }, headers);
}
