import { readCookie } from "../http/cookies.js";

/**
 * One-shot messages that survive a redirect without JavaScript: a short-lived cookie set by an
 * action and deleted by the page that shows it, so a reload shows it no more.
 */
export type Flash = { kind: "signed_in_again" } | { kind: "stayed_signed_in"; otherSessionsEnded: number };

const cookieName = "flash";

function encode(flash: Flash): string {
  return flash.kind === "stayed_signed_in" ? `stayed_signed_in.${flash.otherSessionsEnded}` : flash.kind;
}

function decode(value: string): Flash | null {
  if (value === "signed_in_again") return { kind: "signed_in_again" };
  const stayed = /^stayed_signed_in\.(\d{1,6})$/.exec(value);
  return stayed ? { kind: "stayed_signed_in", otherSessionsEnded: Number(stayed[1]) } : null;
}

/** The words a person reads. */
export function flashMessage(flash: Flash): string {
  if (flash.kind === "signed_in_again") return "Your password was changed. Sign in with your new password.";
  const n = flash.otherSessionsEnded;
  const others =
    n === 0 ? "No other device was signed in." : `${n} other device${n === 1 ? " was" : "s were"} signed out.`;
  return `Your password was changed. ${others}`;
}

export function createFlash(request: Request, resHeaders: Headers, secure: boolean) {
  const attributes = `HttpOnly; Path=/; SameSite=Lax${secure ? "; Secure" : ""}`;
  return {
    set(flash: Flash): void {
      resHeaders.append("Set-Cookie", `${cookieName}=${encode(flash)}; Max-Age=120; ${attributes}`);
    },
    /** The message for the page a password change redirects to, in either mode. */
    passwordChanged(result: { mode: "sign-in-again" | "stay-signed-in"; otherSessionsEnded: number }): void {
      this.set(
        result.mode === "stay-signed-in"
          ? { kind: "stayed_signed_in", otherSessionsEnded: result.otherSessionsEnded }
          : { kind: "signed_in_again" },
      );
    },
    /** The waiting message, if any, as text; it is deleted with this response. */
    take(): string | null {
      const value = readCookie(request.headers.get("cookie"), cookieName);
      if (value === null) return null;
      resHeaders.append("Set-Cookie", `${cookieName}=; Max-Age=0; ${attributes}`);
      const flash = decode(value);
      return flash ? flashMessage(flash) : null;
    },
  };
}

export type FlashStore = ReturnType<typeof createFlash>;
