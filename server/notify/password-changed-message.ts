import { forgotPasswordUrl, replyLine, type Site } from "./site.js";
import { describeBrowser } from "../browser-names.js";


/**
 * What a change notice says. Its types are its own (structurally what server/auth hands over), so
 * this lower layer imports nothing from the flows that use it.
 */
export type PasswordChangedNotice = {
  user: { id: string; username: string; email: string };
  at: number;
  /** Where the change came from; null for the server's command line, which has no browser and no IP. */
  origin: { ip: string; userAgent: string | null } | null;
  /** What became of the account's other signed-in devices: the notice must not claim more. */
  otherDevices: "signed-out" | "kept";
};

/** "2026-11-28 10:41:07 UTC". */
export function describeTime(at: number): string {
  return new Date(at).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** "from Firefox on Linux at IP address 203.0.113.9" (names from the lists above only). */
export function describeOrigin(origin: { ip: string; userAgent: string | null }): string {
  return `from ${describeBrowser(origin.userAgent)} at IP address ${origin.ip}`;
}

/**
 * The notice sent after every successful change. It never contains a password. If it was not the
 * owner, the one thing that helps is the reset flow, whose link goes to this same address.
 */
export function passwordChangedMessage(notice: PasswordChangedNotice, site: Site): { subject: string; text: string } {
  const when = describeTime(notice.at);
  const from = notice.origin ? describeOrigin(notice.origin) : "by an administrator on the server's command line";
  const devices =
    notice.otherDevices === "signed-out"
      ? "Every other device signed in to your account has been signed out."
      : "Devices already signed in to your account stay signed in.";
  return {
    subject: "Your password was changed",
    text: [
      `Hello ${notice.user.username},`,
      "",
      `The password of your account was changed on ${when}, ${from}.`,
      devices,
      "",
      "If this was you, there is nothing else to do.",
      "If it was not you, someone may know your password. Reset it straight away at",
      forgotPasswordUrl(site),
      "(we e-mail a link to this address; resetting signs every device out of your account),",
      "then check your account for changes you did not make.",
      ...replyLine(site),
    ].join("\n"),
  };
}
