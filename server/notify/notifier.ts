import type { Transporter } from "nodemailer";
import type { OutboxMessage, OutboxStore } from "../../db/store.js";
import type { Logger } from "../logger.js";
import { createOutboxSender } from "./outbox-sender.js";
import { passwordChangedMessage, type PasswordChangedNotice } from "./password-changed-message.js";
import {
  passwordResetLinkMessage,
  passwordResetMessage,
  type PasswordResetLinkRequest,
  type PasswordResetNotice,
} from "./password-reset-messages.js";
import { acceptsReplies, type Site } from "./site.js";

/**
 * Tells account owners what happened to their account, and sends them password-reset links. Replaceable as a whole (`createApp({ notifier })`);
 * the default writes every message to the `outbox` table in the same transaction as the change it
 * reports, logs it, and has the outbox sender e-mail it when a transport is configured (SMTP_URL).
 * The only module that knows about nodemailer.
 */
export type Notifier = {
  /** The outbox row announcing a change, for the password swap to write in its own transaction. */
  passwordChanged(notice: PasswordChangedNotice): OutboxMessage;
  /**
   * The e-mail carrying a reset link, for the store to write with the link in one transaction. Its
   * body holds the link only until it is sent or the link dies (OutboxMessage.secret).
   */
  passwordResetLink(request: PasswordResetLinkRequest & { expiresAt: number }): OutboxMessage;
  /** The notice that a reset link was used, written with the new password like a change's. */
  passwordReset(notice: PasswordResetNotice): OutboxMessage;
  /**
   * Called once the transaction that wrote message `outboxId` has committed: delivers it now.
   * `delivered` settles when that delivery attempt is over (never rejects).
   */
  queued(outboxId: number, userId: string): { delivered: Promise<void> };
  /** Stops delivering, after the messages being sent now (a graceful shutdown). */
  close(): Promise<void>;
};

export function createNotifier(options: {
  outbox: OutboxStore;
  logger: Logger;
  from: string;
  /** Where links in messages point (server/public-origin.ts): read when each message is written. */
  publicOrigin: () => string;
  transport?: MailTransport;
  now?: () => number;
  /** How often failed deliveries are retried; tests make it short. */
  pollMs?: number;
}): Notifier {
  const now = options.now ?? Date.now;
  const { logger, transport } = options;
  const sender = transport ? createOutboxSender({ ...options, transport }) : null;
  const replies = acceptsReplies(options.from);
  const site = (): Site => ({ origin: options.publicOrigin(), acceptsReplies: replies });
  const message = (user: { id: string; email: string }, subject: string, body: string): OutboxMessage => ({
    userId: user.id,
    recipient: user.email,
    subject,
    body,
    createdAt: now(),
    deliver: sender !== null,
  });
  return {
    passwordChanged(notice) {
      const { subject, text } = passwordChangedMessage(notice, site());
      return message(notice.user, subject, text);
    },
    passwordResetLink(request) {
      const { subject, text, redactedText } = passwordResetLinkMessage(request, site());
      return { ...message(request.user, subject, text), secret: { redacted: redactedText, until: request.expiresAt } };
    },
    passwordReset(notice) {
      const { subject, text } = passwordResetMessage(notice, site());
      return message(notice.user, subject, text);
    },
    queued(outboxId, userId) {
      logger.info({ event: "notification_queued", userId, outboxId }, "notice queued");
      // Sent after the answer: a slow or failing mail server never holds up or fails the change.
      return { delivered: sender ? sender.deliverNow() : Promise.resolve() };
    },
    async close() {
      await sender?.stop();
    },
  };
}

/** nodemailer's transport, named here so that no other module imports nodemailer. */
export type MailTransport = Transporter;

export async function smtpTransport(url: string): Promise<MailTransport> {
  const nodemailer = await import("nodemailer");
  return nodemailer.createTransport(url);
}
