import { once } from "node:events";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { freshDatabase, type FreshDatabase } from "../helpers/backend.js";
import { openTestStore } from "../helpers/database.js";
import { startServerProcess, stopAllServerProcesses } from "../helpers/server-process.js";
import { sqlOf } from "../helpers/sql.js";

/**
 * A separate server process under a stream of password changes is killed with SIGKILL and
 * restarted on the same database: it must be intact and every account consistent.
 */

let database: FreshDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await stopAllServerProcesses();
  await database.remove();
});

const startProcess = () => startServerProcess({ env: database.env });

/** SQLite: PRAGMA integrity_check. PostgreSQL enforces every constraint itself; what could be left broken is an index. */
async function intact(): Promise<boolean> {
  if (!database.options.databaseUrl) {
    const check = new Database(database.options.databasePath, { readonly: true });
    try {
      return check.pragma("integrity_check", { simple: true }) === "ok";
    } finally {
      check.close();
    }
  }
  const store = await openTestStore(database.options);
  try {
    return (await sqlOf(store).values("SELECT indexrelid FROM pg_index WHERE NOT indisvalid")).length === 0;
  } finally {
    await store.close();
  }
}

const accounts = 24;
const oldPassword = (index: number) => `old password number ${index}`;
const newPassword = (index: number) => `new password number ${index}`;

describe("a server killed with SIGKILL in the middle of password changes", () => {
  it("restarts on an intact database where every account has its old or its new password, never half of each", async () => {
    const first = await startProcess();
    const url = `${first.url}/trpc`;
    const anonymous = createClient({ url });

    // Each account has a session that changes the password and a witness session on another device.
    const users = await Promise.all(
      Array.from({ length: accounts }, async (_, index) => {
        const username = `crash_${index}`;
        await anonymous.auth.register.mutate({ username, email: `${username}@example.com`, password: oldPassword(index) });
        const changer = (await anonymous.auth.login.mutate({ username, password: oldPassword(index) })).token;
        const witness = (await anonymous.auth.login.mutate({ username, password: oldPassword(index) })).token;
        return { index, username, changer, witness };
      }),
    );

    // A stream of changes, one per account, with the kill landing somewhere in the middle.
    const changes = users.map((user) =>
      createClient({ url, token: user.changer })
        .auth.changePassword.mutate({ currentPassword: oldPassword(user.index), newPassword: newPassword(user.index) })
        .then(() => "done", () => "interrupted"),
    );
    // Kill as soon as the first change has been answered: the others are mid-flight.
    await new Promise<void>((resolve) => changes.forEach((change) => change.then((result) => result === "done" && resolve())));
    first.child.kill("SIGKILL");
    const outcomes = await Promise.all(changes);
    if (first.child.exitCode === null && first.child.signalCode === null) await once(first.child, "exit");

    const second = await startProcess();
    expect(await intact()).toBe(true);

    const after = createClient({ url: `${second.url}/trpc` });
    let changed = 0;
    for (const user of users) {
      const withOld = await after.auth.login.mutate({ username: user.username, password: oldPassword(user.index) }).then(() => true, () => false);
      const withNew = await after.auth.login.mutate({ username: user.username, password: newPassword(user.index) }).then(() => true, () => false);
      // Exactly one of the two passwords works.
      expect([withOld, withNew]).toContain(true);
      expect(withOld && withNew).toBe(false);
      const witnessAlive = (await createClient({ url: `${second.url}/trpc`, token: user.witness }).auth.me.query()) !== null;
      if (withNew) {
        changed++;
        expect(witnessAlive).toBe(false);
      } else {
        expect(witnessAlive).toBe(true);
        // A change that the client saw succeed must have been durable.
        expect(outcomes[user.index]).toBe("interrupted");
      }
    }
    second.child.kill("SIGKILL");
    // The kill really landed mid-stream: some changes made it, some did not.
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(accounts);
  });
});
