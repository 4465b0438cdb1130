import { readChangePasswordFields } from "../../app/forms/change-password.js";
import type { LoadContext } from "../remix/load-context.js";
import { jsonResponse } from "./responses.js";

/**
 * The seed-compatible JSON door on the page's URL: the body piccolo_api takes, its statuses
 * and `{"detail": message}` errors, backed by the same `auth.changePassword` procedure.
 */
export async function changePasswordJson(request: Request, context: LoadContext): Promise<Response> {
  // Signed-out requests never reach the endpoint in the seed either: its middleware answers first.
  if (!(await context.trpc.auth.me())) return detail(401, "Not signed in.");

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

  const result = await context.call((trpc) => trpc.auth.changePassword(fields.input));
  if (!result.ok) return detail(result.status, result.message);
  context.flash.passwordChanged(result.data);
  return new Response(null, {
    status: 303,
    headers: { location: result.data.redirectTo, "cache-control": "no-store" },
  });
}

function detail(status: number, message: string): Response {
  return jsonResponse(status, { detail: message });
}
