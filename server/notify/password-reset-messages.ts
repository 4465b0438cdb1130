import { describeOrigin, describeTime } from "./password-changed-message.js";
import { forgotPasswordUrl, replyLine, resetPasswordUrl, type Site } from "./site.js";

/**
 * The two messages of the reset flow: the link, and the notice once it was used. Their types are
 * their own (structurally what server/auth hands over), like the change notice's.
 */

type Recipient = { id: string; username: string; email: string };
/** Where the request came from: named only from fixed lists, never the client's own User-Agent text. */
type Origin = { ip: string; userAgent: string | null };

export type PasswordResetLinkRequest = {
  user: Recipient;
  /** The token for the link; it is in this message and nowhere else (the database keeps its hash). */
  token: string;
  at: number;
  lifetimeMinutes: number;
  origin: Origin;
};

export type PasswordResetNotice = { user: Recipient; at: number; origin: Origin };

/** What the stored copy of the link message says once the link is no longer needed (see OutboxMessage.secret). */
const linkRemoved = "[This link was removed from our records once it was no longer needed.]";

/**
 * The e-mail carrying a reset link. `redactedText` is the same message without the link: what the
 * outbox keeps once the message is sent or the link is dead.
 */
export function passwordResetLinkMessage(request: PasswordResetLinkRequest, site: Site): { subject: string; text: string; redactedText: string } {
  const lines = (link: string) =>
    [
      `Hello ${request.user.username},`,
      "",
      `Someone asked to reset the password of your account at ${site.origin} on ${describeTime(request.at)},`,
      `${describeOrigin(request.origin)}.`,
      "",
      `To choose a new password, open this link within ${request.lifetimeMinutes} minutes. It works once:`,
      link,
      "",
      "Every device signed in to your account is signed out when the new password is set.",
      "If you did not ask for this, ignore this message: your password stays as it is, and the link stops",
      `working after ${request.lifetimeMinutes} minutes, or as soon as your password changes.`,
      ...replyLine(site),
    ].join("\n");
  return {
    subject: "Reset your password",
    text: lines(resetPasswordUrl(site, request.token)),
    redactedText: lines(linkRemoved),
  };
}

/** Sent once a reset link was used. It never contains a password. */
export function passwordResetMessage(notice: PasswordResetNotice, site: Site): { subject: string; text: string } {
  return {
    subject: "Your password was reset",
    text: [
      `Hello ${notice.user.username},`,
      "",
      `The password of your account was reset on ${describeTime(notice.at)}, with a link sent to this address,`,
      `${describeOrigin(notice.origin)}.`,
      "Every device signed in to your account has been signed out.",
      "",
      "If this was you, there is nothing else to do.",
      "If it was not you, someone can read your e-mail: secure your e-mail account first, then reset your",
      `password again at ${forgotPasswordUrl(site)}`,
      ...replyLine(site),
    ].join("\n"),
  };
}
