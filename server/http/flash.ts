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
const devicesSignedOutPattern = /^devices_signed_out\.(one|others\.(\d{1,6}))$/;

function devicesSignedOutMessage(value: string): string | null {
  const match = devicesSignedOutPattern.exec(value);
  if (!match) return null;
  if (match[1] === "one") return "The device was signed out. It has to sign in again to use your account.";
  const n = Number(match[2]);
  return n === 0 ? "No other device was signed in." : `${n} other device${n === 1 ? " was" : "s were"} signed out.`;
}

/**
 * For the sign-in page a signed-out visitor is sent to: its session ended while it held the cookie
 * (`ended`), and/or the form it sent was refused for want of a session (`refused`).
 */
const signInFirstPattern = /^sign_in_first\.(ended|none)\.(refused|none)$/;

function signInFirstMessage({ sessionEnded, formRefused }: { sessionEnded: boolean; formRefused: boolean }): string | null {
  // Why is not recorded (the row is gone): the message names the causes this app has, without picking one.
  const ended = "Your session ended (signed out from another device or after a password change).";
  if (sessionEnded) return formRefused ? `${ended} Nothing was changed: sign in again, then send the form again.` : `${ended} Please sign in again.`;
  return formRefused ? "You are signed out, so nothing was changed. Sign in, then send the form again." : null;
}

function messageOf(value: string): string | null {
  const flash = decode(value);
  if (flash) return flashMessage(flash);
  const signInFirst = signInFirstPattern.exec(value);
  if (signInFirst) return signInFirstMessage({ sessionEnded: signInFirst[1] === "ended", formRefused: signInFirst[2] === "refused" });
  return devicesSignedOutMessage(value);
}

/**
 * `sessionEnded`: this request carried a session cookie that no longer signs anyone in (its blank
 * replacement goes out with this response). A page shown for it says so at once; a redirect to the
 * sign-in page carries the reason there (`signInFirst`).
 */
export function createFlash(cookies: RequestCookies, resHeaders: Headers, secure: boolean, { sessionEnded = false } = {}) {
  const attributes = `HttpOnly; Path=/; SameSite=Lax${secure ? "; Secure" : ""}`;
  // Several loaders of one request may read it (they run at once); it is read and deleted once. A
  // message set by this request is never deleted by it, whichever runs first.
  let set = false;
  let taken: { message: string | null } | undefined;
  const put = (value: string) => {
    set = true;
    resHeaders.append("Set-Cookie", `${cookieName}=${value}; Max-Age=120; ${attributes}`);
  };
  return {
    /** The message for the page a password change redirects to, from what the change did. */
    passwordChanged(result: { signedOut: boolean; otherDevices: "signed-out" | "kept"; otherSessionsEnded: number }): void {
      const flash: Flash = {
        kind: "password_changed",
        thisDevice: result.signedOut ? "signed-out" : "stayed",
        others: result.otherDevices === "kept" ? "kept" : result.otherSessionsEnded,
      };
      put(encode(flash));
    },
    /** The confirmation after signing out one device (`"one"`) or every other one (how many were signed in). */
    devicesSignedOut(signedOut: "one" | number): void {
      put(signedOut === "one" ? "devices_signed_out.one" : `devices_signed_out.others.${signedOut}`);
    },
    /** For the sign-in page a signed-out visitor is sent to: why, when there is something to say. */
    signInFirst({ formRefused }: { formRefused: boolean }): void {
      if (sessionEnded || formRefused) put(`sign_in_first.${sessionEnded ? "ended" : "none"}.${formRefused ? "refused" : "none"}`);
    },
    /** The waiting message, if any, as text; it is deleted with this response. */
    take(): string | null {
      if (taken) return taken.message;
      const value = cookies.get(cookieName);
      if (value !== undefined && !set) resHeaders.append("Set-Cookie", `${cookieName}=; Max-Age=0; ${attributes}`);
      const waiting = value === undefined ? null : messageOf(value);
      taken = { message: waiting ?? (sessionEnded ? signInFirstMessage({ sessionEnded, formRefused: false }) : null) };
      return taken.message;
    },
  };
}

export type FlashStore = ReturnType<typeof createFlash>;
