import { afterEach, describe, expect, it } from "vitest";
import type { OutboxMessage, Store } from "../../db/store.js";
import { createLogger } from "../../server/logger.js";
import { createOutboxSender, retryDelayMs, type Mailer } from "../../server/notify/outbox-sender.js";
import { freshDatabase, type FreshDatabase } from "../helpers/backend.js";
import { databaseWithUser, openTestStore } from "../helpers/database.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * The transactional outbox on this run's store: notices are written with the change they report,
 * delivered by a sender that claims each one (so two senders never send the same one), and retried
 * after a failure. The clock is the test's own, so nothing here waits for a real retry pause.
 */

const logger = createLogger("silent");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function twoStoresOnOneDatabase(): Promise<[Store, Store]> {
  const database: FreshDatabase = await freshDatabase();
  const first = await openTestStore(database.options);
  const second = await openTestStore(database.options);
  cleanups.push(async () => {
    await first.close();
    await second.close();
    await database.remove();
  });
  return [first, second];
}

const message = (n: number, at: number): OutboxMessage => ({
  userId: `user-${n}`,
  recipient: `user${n}@example.com`,
  subject: `Notice ${n}`,
  body: "text",
  createdAt: at,
  deliver: true,
});

/** A transport that records what it sent and fails while `failing` says so. */
function recordingTransport(failing = () => false) {
  const sent: string[] = [];
  const transport: Mailer = {
    async sendMail(mail) {
      // Yield, as a network call would, so that concurrent senders interleave.
      await new Promise((resolve) => setImmediate(resolve));
      if (failing()) throw new Error("mail server unavailable");
      sent.push(mail.subject);
      return {};
    },
  };
  return { transport, sent };
}

describe("the outbox sender", () => {
  it("two senders on one database (two instances) deliver every message exactly once", async () => {
    const [first, second] = await twoStoresOnOneDatabase();
    const now = Date.now();
    for (let n = 0; n < 40; n++) await first.outbox.add(message(n, now));
    const { transport, sent } = recordingTransport();
    const senders = [first, second].map((store) => createOutboxSender({ outbox: store.outbox, transport, from: "test <t@localhost>", logger }));
    await Promise.all(senders.flatMap((sender) => [sender.deliverNow(), sender.deliverNow()]));
    await Promise.all(senders.map((sender) => sender.stop()));
    expect(sent.sort()).toEqual(Array.from({ length: 40 }, (_, n) => `Notice ${n}`).sort());
    expect(await sqlOf(first).value("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).toBe(0);
  });

  it("retries a failed delivery after a growing pause, and gives up after the last attempt", async () => {
    const [store] = await twoStoresOnOneDatabase();
    let clock = 1_000_000;
    let failing = true;
    const { transport, sent } = recordingTransport(() => failing);
    const sender = createOutboxSender({ outbox: store.outbox, transport, from: "t <t@localhost>", logger, now: () => clock, maxAttempts: 3 });
    cleanups.push(() => sender.stop());
    const id = await store.outbox.add(message(1, clock));

    await sender.deliverNow();
    const sql = sqlOf(store);
    expect(await sql.get("SELECT attempts, error, next_attempt_at FROM outbox WHERE id = ?", id)).toEqual({
      attempts: 1,
      error: "mail server unavailable",
      next_attempt_at: clock + retryDelayMs(1),
    });
    // Not due yet: nothing is tried.
    await sender.deliverNow();
    expect(await sql.value("SELECT attempts FROM outbox WHERE id = ?", id)).toBe(1);

    clock += retryDelayMs(1);
    failing = false;
    await sender.deliverNow();
    expect(sent).toEqual(["Notice 1"]);
    expect(await store.outbox.isSent(id)).toBe(true);

    // Another that never gets through: three attempts, then no more.
    failing = true;
    const doomed = await store.outbox.add(message(2, clock));
    for (let attempt = 1; attempt <= 3; attempt++) {
      await sender.deliverNow();
      clock += retryDelayMs(attempt);
    }
    expect(await sql.get("SELECT attempts, next_attempt_at FROM outbox WHERE id = ?", doomed)).toEqual({ attempts: 3, next_attempt_at: null });
  });

  it("leaves a message claimed by a sender that died alone until its lease runs out", async () => {
    const [first, second] = await twoStoresOnOneDatabase();
    const clock = 5_000_000;
    await first.outbox.add(message(1, clock));
    // A sender claims it and dies before sending.
    expect(await first.outbox.claimDue(clock, clock + 60_000, 10)).toHaveLength(1);
    expect(await second.outbox.claimDue(clock + 1_000, clock + 61_000, 10)).toEqual([]);
    // Once the lease is over, another sender takes it.
    expect((await second.outbox.claimDue(clock + 60_000, clock + 120_000, 10)).map((claimed) => claimed.recipient)).toEqual(["user1@example.com"]);
  });

  it("does not deliver messages recorded while no mail transport was configured", async () => {
    const [store] = await twoStoresOnOneDatabase();
    await store.outbox.add({ ...message(1, Date.now()), deliver: false });
    expect(await store.outbox.claimDue(Date.now() + 1, Date.now() + 60_000, 10)).toEqual([]);
  });
});

describe("the notice is part of the change's transaction", () => {
  it("a swap that loses the race writes no notice; the winner's notice is written with it", async () => {
    const fixture = await databaseWithUser("old password 123");
    cleanups.push(() => fixture.close());
    const user = (await fixture.store.users.findById(fixture.userId))!;
    const swap = (passwordHash: string) =>
      fixture.store.users.setPassword({
        userId: user.id,
        expected: { passwordHash: user.passwordHash, credentialVersion: user.credentialVersion },
        passwordHash,
        changedAt: Date.now(),
        endSessions: "all",
        ownSessionId: null,
        notice: message(1, Date.now()),
      });
    const results = await Promise.all([swap("hash-a"), swap("hash-b")]);
    expect(results.filter((result) => result.updated)).toHaveLength(1);
    const winner = results.find((result) => result.updated);
    expect(await fixture.sql.values("SELECT id FROM outbox")).toEqual([winner?.updated ? winner.noticeId : null]);
  });
});
