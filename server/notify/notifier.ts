import type { Transporter } from "nodemailer";
import type { OutboxMessage, OutboxStore } from "../../db/store.js";
import type { Logger } from "../logger.js";
import { createOutboxSender } from "./outbox-sender.js";
import { passwordChangedMessage, type PasswordChangedNotice } from "./password-changed-message.js";

/**
 * Tells account owners what happened to their account. Replaceable as a whole (`createApp({ notifier })`);
 * the default writes every message to the `outbox` table in the same transaction as the change it
 * reports, logs it, and has the outbox sender e-mail it when a transport is configured (SMTP_URL).
 * The only module that knows about nodemailer.
 */
export type Notifier = {
  /** The outbox row announcing a change, for the password swap to write in its own transaction. */
  passwordChanged(notice: PasswordChangedNotice): OutboxMessage;
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
  transport?: MailTransport;
  now?: () => number;
  /** How often failed deliveries are retried; tests make it short. */
  pollMs?: number;
}): Notifier {
  const now = options.now ?? Date.now;
  const { logger, transport } = options;
  const sender = transport ? createOutboxSender({ ...options, transport }) : null;
  return {
    passwordChanged(notice) {
      const { subject, text } = passwordChangedMessage(notice);
      return { userId: notice.user.id, recipient: notice.user.email, subject, body: text, createdAt: now(), deliver: sender !== null };
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
