import { forgotPasswordUrl, replyLine, type Site } from "./site.js";

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

/**
 * "Firefox on Linux" from a User-Agent header. Only names from the lists below ever reach a notice:
 * the header is the client's free text, and an attacker once wrote a fake reassurance into a real
 * security notice through it.
 */
export function describeBrowser(userAgent: string | null): string {
  if (!userAgent) return "an unknown browser";
  const browser =
    [
      [/Edg\//, "Edge"],
      [/OPR\/|Opera/, "Opera"],
      [/Firefox\//, "Firefox"],
      [/Chrome\/|Chromium\//, "Chrome"],
      [/Safari\//, "Safari"],
      [/curl\//, "curl"],
    ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  const system = (
    [
      [/Android/, "Android"],
      [/iPhone|iPad|iOS/, "iOS"],
      [/Windows/, "Windows"],
      [/Mac OS X|Macintosh/, "macOS"],
      [/Linux|X11/, "Linux"],
    ] as const
  ).find(([pattern]) => pattern.test(userAgent))?.[1];
  const name = browser ?? "an unknown browser";
  return system ? `${name} on ${system}` : name;
}

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
