import type { AppLoadContext } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { loginRedirectUrl } from "~/lib/http";

/**
 * What a page's loader or action throws for a visitor who must sign in first: the sign-in page
 * (LOGIN_URL), coming back to `returnTo` afterwards. The sign-in page says why when the visitor's
 * session ended while they held it (a password change on another device signed them out) or when
 * a form they sent is being refused (`formSent`): nothing is dropped without a word.
 */
export function redirectToSignIn(context: AppLoadContext, returnTo: string, { formSent = false } = {}): Response {
  context.flash.signInFirst({ formRefused: formSent });
  // 303 after a POST: the browser comes back with GET.
  return redirect(loginRedirectUrl(context.config.loginUrl, returnTo), formSent ? 303 : 302);
}
