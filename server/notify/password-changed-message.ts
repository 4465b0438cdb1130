import { describeBrowser } from "../browser-names.js";

// Its one definition is shared with the list of signed-in devices; still importable from here.
export { describeBrowser };

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

/** The notice sent after every successful change. It never contains a password. */
export function passwordChangedMessage(notice: PasswordChangedNotice): { subject: string; text: string } {
  const when = new Date(notice.at).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const from = notice.origin
    ? `from ${describeBrowser(notice.origin.userAgent)} at IP address ${notice.origin.ip}`
    : "by an administrator on the server's command line";
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
      "If it was not you, someone may know your password: reset it straight away, check your account",
      "for changes you did not make, and contact us by replying to this message.",
    ].join("\n"),
  };
}
