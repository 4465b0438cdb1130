import type { RequestCookies } from "./cookies.js";

/**
 * One-shot messages that survive a redirect without JavaScript: a short-lived cookie set by an
 * action and deleted by the page that shows it, so a reload shows it no more. It holds only which
 * message to show (and the username to fill in on the sign-in page), validated when read back.
 */
export type Flash =
  | {
      kind: "password_changed";
      /** What became of the device that made the change. */
      thisDevice: "signed-out" | "stayed";
      /** How many other devices were signed out, or "kept" when they stay signed in. */
      others: number | "kept";
      /** To fill in on the sign-in page (only when this device was signed out). */
      username?: string;
    }
  | { kind: "registered"; username: string }
  /** A password reset: every device signed out; the username to fill in. */
  | { kind: "password_reset"; username: string }
  | { kind: "signed_out" }
  /** After signing devices out on /private/sessions: one device, or every other one (how many). */
  | { kind: "devices_signed_out"; signedOut: "one" | number }
  /**
   * Sent to sign in first: the session this browser held has ended (`sessionEnded`: its cookie no
   * longer signs anyone in, as after a password change on another device), and/or the form it
   * sent was refused for want of a session (`formRefused`).
   */
  | { kind: "sign_in_first"; sessionEnded: boolean; formRefused: boolean };

/** What a page shows: the words, and the username for the sign-in form when there is one. */
export type FlashView = { message: string; username: string | null };

const cookieName = "flash";

// Usernames are ASCII letters, digits, dots, dashes and underscores (server/auth/register.ts);
// anything else read back from a cookie is not ours.
const usernamePattern = /^[A-Za-z0-9_.-]{1,64}$/;

function encode(flash: Flash): string {
  const withUser = (value: string, username?: string) => (username ? `${value}~${username}` : value);
  switch (flash.kind) {
    case "password_changed": {
      const prefix = flash.thisDevice === "signed-out" ? "signed_in_again" : "stayed_signed_in";
      // The seed's case keeps its short form: every device signed out, nothing to count.
      const value =
        flash.others === "kept" ? `${prefix}.kept` : flash.thisDevice === "signed-out" ? prefix : `${prefix}.${flash.others}`;
      return withUser(value, flash.username);
    }
    case "registered":
      return withUser("registered", flash.username);
    case "password_reset":
      return withUser("password_reset", flash.username);
    case "signed_out":
      return "signed_out";
    case "devices_signed_out":
      return `devices_signed_out.${flash.signedOut === "one" ? "one" : `others.${flash.signedOut}`}`;
    case "sign_in_first":
      return `sign_in_first.${flash.sessionEnded ? "ended" : "none"}.${flash.formRefused ? "refused" : "none"}`;
  }
}

function decode(value: string): Flash | null {
  const [body = "", username, ...rest] = value.split("~");
  if (rest.length > 0 || (username !== undefined && !usernamePattern.test(username))) return null;
  let match = /^(signed_in_again|stayed_signed_in)(?:\.(kept|\d{1,6}))?$/.exec(body);
  if (match) {
    const thisDevice = match[1] === "signed_in_again" ? "signed-out" : "stayed";
    const others = match[2] === "kept" ? "kept" : Number(match[2] ?? 0);
    return { kind: "password_changed", thisDevice, others, ...(username ? { username } : {}) };
  }
  if (body === "registered" && username) return { kind: "registered", username };
  if (body === "password_reset" && username) return { kind: "password_reset", username };
  if (body === "signed_out" && username === undefined) return { kind: "signed_out" };
  match = /^devices_signed_out\.(one|others\.(\d{1,6}))$/.exec(body);
  if (match && username === undefined) return { kind: "devices_signed_out", signedOut: match[1] === "one" ? "one" : Number(match[2]) };
  match = /^sign_in_first\.(ended|none)\.(refused|none)$/.exec(body);
  if (match && username === undefined) {
    return { kind: "sign_in_first", sessionEnded: match[1] === "ended", formRefused: match[2] === "refused" };
  }
  return null;
}

/** The words a person reads; each claim follows from what happened. */
export function flashMessage(flash: Flash): string | null {
  switch (flash.kind) {
    case "password_changed":
      return passwordChangedMessage(flash);
    case "registered":
      return "Your account was created. Sign in with your new password.";
    case "password_reset":
      return "Your password was reset and every device was signed out. Sign in with your new password.";
    case "signed_out":
      return "You have signed out.";
    case "devices_signed_out": {
      if (flash.signedOut === "one") return "The device was signed out. It has to sign in again to use your account.";
      const n = flash.signedOut;
      return n === 0 ? "No other device was signed in." : `${n} other device${n === 1 ? " was" : "s were"} signed out.`;
    }
    case "sign_in_first": {
      // Why the session ended is not recorded (its row is gone): the message names the causes this
      // app has while a browser still holds the cookie, without picking one.
      const ended = "You were signed out: your session ended, usually because your password was changed or this device was signed out from another one.";
      if (flash.sessionEnded) return flash.formRefused ? `${ended} Nothing was changed. Sign in again, then send the form again.` : `${ended} Sign in again to continue.`;
      return flash.formRefused ? "You are signed out, so nothing was changed. Sign in, then send the form again." : null;
    }
  }
}

function passwordChangedMessage(flash: Extract<Flash, { kind: "password_changed" }>): string {
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

/**
 * `sessionEnded`: this request carried a session cookie that no longer signs anyone in (its blank
 * replacement goes out with this response). A page shown for it says so at once; a redirect to
 * the sign-in page carries the reason there (`signInFirst`).
 */
export function createFlash(cookies: RequestCookies, resHeaders: Headers, secure: boolean, { sessionEnded = false } = {}) {
  const attributes = `HttpOnly; Path=/; SameSite=Lax${secure ? "; Secure" : ""}`;
  // Several loaders of one request may read it (they run at once); it is read and deleted once. A
  // message set by this request is never deleted by it, whichever runs first.
  let set = false;
  let taken: { view: FlashView | null } | undefined;
  const put = (flash: Flash) => {
    set = true;
    resHeaders.append("Set-Cookie", `${cookieName}=${encode(flash)}; Max-Age=120; ${attributes}`);
  };
  return {
    /** The message for the page a password change redirects to, from what the change did. */
    passwordChanged(result: { signedOut: boolean; otherDevices: "signed-out" | "kept"; otherSessionsEnded: number; username: string }): void {
      put({
        kind: "password_changed",
        thisDevice: result.signedOut ? "signed-out" : "stayed",
        others: result.otherDevices === "kept" ? "kept" : result.otherSessionsEnded,
        ...(result.signedOut ? { username: result.username } : {}),
      });
    },
    registered(username: string): void {
      put({ kind: "registered", username });
    },
    /** For the sign-in page a password reset leads to. */
    passwordReset(username: string): void {
      put({ kind: "password_reset", username });
    },
    signedOut(): void {
      put({ kind: "signed_out" });
    },
    /** The confirmation after signing out one device (`"one"`) or every other one (how many were signed in). */
    devicesSignedOut(signedOut: "one" | number): void {
      put({ kind: "devices_signed_out", signedOut });
    },
    /** For the sign-in page a signed-out visitor is sent to: why, when there is something to say. */
    signInFirst({ formRefused }: { formRefused: boolean }): void {
      if (sessionEnded || formRefused) put({ kind: "sign_in_first", sessionEnded, formRefused });
    },
    /** The waiting message, if any; it is deleted with this response. */
    take(): FlashView | null {
      if (taken) return taken.view;
      const value = cookies.get(cookieName);
      if (value !== undefined && !set) resHeaders.append("Set-Cookie", `${cookieName}=; Max-Age=0; ${attributes}`);
      const flash = value === undefined ? null : decode(value);
      const shown: Flash | null = flash ?? (sessionEnded ? { kind: "sign_in_first", sessionEnded, formRefused: false } : null);
      const message = shown && flashMessage(shown);
      const username = shown && "username" in shown ? (shown.username ?? null) : null;
      taken = { view: message ? { message, username } : null };
      return taken.view;
    },
  };
}

export type FlashStore = ReturnType<typeof createFlash>;
