import type { RequestCookies } from "./cookies.js";

/**
 * One-shot messages that survive a redirect without JavaScript: a short-lived cookie set by an
 * action and deleted by the page that shows it, so a reload shows it no more. It holds only which
 * message to show, validated when read back.
 */
export type Flash = {
  kind: "password_changed";
  /** What became of the device that made the change. */
  thisDevice: "signed-out" | "stayed";
  /** How many other devices were signed out, or "kept" when they stay signed in. */
  others: number | "kept";
};

const cookieName = "flash";

function encode(flash: Flash): string {
  const prefix = flash.thisDevice === "signed-out" ? "signed_in_again" : "stayed_signed_in";
  if (flash.others === "kept") return `${prefix}.kept`;
  // The seed's case keeps its short form: every device signed out, nothing to count.
  return flash.thisDevice === "signed-out" ? prefix : `${prefix}.${flash.others}`;
}

function decode(value: string): Flash | null {
  const match = /^(signed_in_again|stayed_signed_in)(?:\.(kept|\d{1,6}))?$/.exec(value);
  if (!match) return null;
  const thisDevice = match[1] === "signed_in_again" ? "signed-out" : "stayed";
  const others = match[2] === "kept" ? "kept" : Number(match[2] ?? 0);
  return { kind: "password_changed", thisDevice, others };
}

/** The words a person reads; each claim follows from what the change did. */
export function flashMessage(flash: Flash): string {
  const kept = "Your other devices stay signed in.";
  if (flash.thisDevice === "signed-out") {
    const base = "Your password was changed. Sign in with your new password.";
    return flash.others === "kept" ? `${base} ${kept}` : base;
  }
  const n = flash.others;
  const others =
    n === "kept" ? kept : n === 0 ? "No other device was signed in." : `${n} other device${n === 1 ? " was" : "s were"} signed out.`;
  return `Your password was changed. ${others}`;
}

/** After signing devices out on /private/sessions: one device, or every other one (how many). */
const signedOutPattern = /^signed_out\.(one|others\.(\d{1,6}))$/;

function signedOutMessage(value: string): string | null {
  const match = signedOutPattern.exec(value);
  if (!match) return null;
  if (match[1] === "one") return "The device was signed out. It has to sign in again to use your account.";
  const n = Number(match[2]);
  return n === 0 ? "No other device was signed in." : `${n} other device${n === 1 ? " was" : "s were"} signed out.`;
}

export function createFlash(cookies: RequestCookies, resHeaders: Headers, secure: boolean) {
  const attributes = `HttpOnly; Path=/; SameSite=Lax${secure ? "; Secure" : ""}`;
  return {
    /** The message for the page a password change redirects to, from what the change did. */
    passwordChanged(result: { signedOut: boolean; otherDevices: "signed-out" | "kept"; otherSessionsEnded: number }): void {
      const flash: Flash = {
        kind: "password_changed",
        thisDevice: result.signedOut ? "signed-out" : "stayed",
        others: result.otherDevices === "kept" ? "kept" : result.otherSessionsEnded,
      };
      resHeaders.append("Set-Cookie", `${cookieName}=${encode(flash)}; Max-Age=120; ${attributes}`);
    },
    /** The confirmation after signing out one device (`"one"`) or every other one (how many were signed in). */
    devicesSignedOut(signedOut: "one" | number): void {
      const value = signedOut === "one" ? "signed_out.one" : `signed_out.others.${signedOut}`;
      resHeaders.append("Set-Cookie", `${cookieName}=${value}; Max-Age=120; ${attributes}`);
    },
    /** The waiting message, if any, as text; it is deleted with this response. */
    take(): string | null {
      const value = cookies.get(cookieName);
      if (value === undefined) return null;
      resHeaders.append("Set-Cookie", `${cookieName}=; Max-Age=0; ${attributes}`);
      const flash = decode(value);
      return flash ? flashMessage(flash) : signedOutMessage(value);
    },
  };
}

export type FlashStore = ReturnType<typeof createFlash>;
