import type { Transporter } from "nodemailer";
import type { OutboxQueries } from "../../db/outbox.js";
import type { Logger } from "../logger.js";
import { passwordChangedMessage, type PasswordChangedNotice } from "./password-changed-message.js";

/**
 * Tells account owners what happened to their account. Replaceable as a whole (`createApp({ notifier })`);
 * the default records every message in the `outbox` table and the log, and e-mails it when a
 * transport is configured (SMTP_URL). The only module that knows about nodemailer.
 */
export type Notifier = {
  /** Records the notice at once; `delivered` settles when sending is over (never rejects). */
  passwordChanged(notice: PasswordChangedNotice): Promise<{ delivered: Promise<void> }>;
};

export function createNotifier(options: {
  outbox: OutboxQueries;
  logger: Logger;
  from: string;
  transport?: MailTransport;
  now?: () => number;
}): Notifier {
  const now = options.now ?? Date.now;
  return {
    async passwordChanged(notice) {
      const { subject, text } = passwordChangedMessage(notice);
      const message = { userId: notice.user.id, recipient: notice.user.email, subject, body: text, createdAt: now() };
      // The change has happened by now: a notice that cannot be stored is logged, never a failure.
      const id = await options.outbox.add(message).catch((error: unknown) => {
        options.logger.error({ event: "notification_not_queued", userId: notice.user.id, err: error }, "notice not stored");
        return null;
      });
      if (id === null) return { delivered: Promise.resolve() };
      options.logger.info({ event: "notification_queued", userId: notice.user.id, outboxId: id }, subject);
      const transport = options.transport;
      if (!transport) return { delivered: Promise.resolve() };
      // Sent after the answer: a slow or failing mail server never holds up or fails the change.
      const delivered = transport
        .sendMail({ from: options.from, to: notice.user.email, subject, text })
        .then(
          () => options.outbox.markSent(id, now()),
          async (error: unknown) => {
            options.logger.error({ event: "notification_failed", userId: notice.user.id, outboxId: id }, "mail not sent");
            await options.outbox.markFailed(id, error instanceof Error ? error.message : String(error));
          },
        )
        .catch((error: unknown) => {
          options.logger.error({ event: "notification_status_not_stored", outboxId: id, err: error }, "delivery status not stored");
        });
      return { delivered };
    },
  };
}

/**
 * The same notifier, keeping hold of the deliveries still under way, so that a shutdown can wait
 * for them: the e-mail about a change made just before a deploy must not be cut off (nor its
 * delivery recorded in a database that has been closed meanwhile).
 */
export function withDeliveriesTracked(notifier: Notifier): Notifier & { deliveriesSettled(): Promise<void> } {
  const underWay = new Set<Promise<void>>();
  return {
    async passwordChanged(notice) {
      const result = await notifier.passwordChanged(notice);
      const delivered = result.delivered.finally(() => underWay.delete(delivered));
      underWay.add(delivered);
      return { delivered };
    },
    async deliveriesSettled() {
      await Promise.allSettled(underWay);
    },
  };
}

/** nodemailer's transport, named here so that no other module imports nodemailer. */
export type MailTransport = Transporter;

export async function smtpTransport(url: string): Promise<MailTransport> {
  const nodemailer = await import("nodemailer");
  return nodemailer.createTransport(url);
}
