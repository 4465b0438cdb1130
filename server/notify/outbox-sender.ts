import type { OutboxStore } from "../../db/store.js";
import type { Logger } from "../logger.js";

/**
 * Delivers the outbox: the messages written with the changes they report (a transactional outbox).
 * A round claims the messages that are due (each for a lease, so that no other worker or instance
 * sends it meanwhile: on PostgreSQL with FOR UPDATE SKIP LOCKED), sends them one by one and records
 * the outcome; a failure is retried later with a growing pause, and given up after `maxAttempts`.
 * Rounds run when a change has just committed (`deliverNow`) and every `pollMs` (messages that
 * failed, or that another instance left behind when it died mid-send once their lease ran out).
 */

/** What the sender needs of a mail transport (nodemailer's, server/notify/notifier.ts). */
export type Mailer = { sendMail(message: { from: string; to: string; subject: string; text: string }): Promise<unknown> };

export type SenderOptions = {
  outbox: OutboxStore;
  transport: Mailer;
  from: string;
  logger: Logger;
  now?: () => number;
  pollMs?: number;
  maxAttempts?: number;
};

/** How long a claimed message stays out of other senders' reach: longer than nodemailer's own timeouts. */
const leaseMs = 10 * 60_000;
const batchSize = 20;

/** 30 s, 1 min, 2 min, ... at most an hour between attempts. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export function createOutboxSender(options: SenderOptions) {
  const { outbox, transport, logger } = options;
  const now = options.now ?? Date.now;
  const maxAttempts = options.maxAttempts ?? 8;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function round(): Promise<void> {
    for (;;) {
      const due = await outbox.claimDue(now(), now() + leaseMs, batchSize);
      for (const message of due) {
        try {
          await transport.sendMail({ from: options.from, to: message.recipient, subject: message.subject, text: message.body });
          await outbox.markSent(message.id, now());
          logger.info({ event: "notification_sent", userId: message.userId, outboxId: message.id }, "notice sent");
        } catch (error) {
          const retryAt = message.attempts < maxAttempts ? now() + retryDelayMs(message.attempts) : null;
          logger.error({ event: "notification_failed", userId: message.userId, outboxId: message.id, attempts: message.attempts, retryAt }, "mail not sent");
          await outbox.markFailed(message.id, error instanceof Error ? error.message : String(error), retryAt);
        }
      }
      if (due.length < batchSize) return;
    }
  }

  /** Runs a round now, or right after the one under way; settles when it is over (never rejects). */
  function deliverNow(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await round().catch((error: unknown) => {
          // The database may be down for a moment: the next round tries again.
          logger.error({ event: "outbox_round_failed", err: error }, "outbox not delivered this round");
        });
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => void deliverNow(), options.pollMs ?? 15_000);
  timer.unref();

  return {
    deliverNow,
    /** Stops polling and waits for the round under way (a shutdown: what is being sent gets sent). */
    async stop(): Promise<void> {
      clearInterval(timer);
      const current = running;
      stopped = true;
      await current;
    },
  };
}

export type OutboxSender = ReturnType<typeof createOutboxSender>;
