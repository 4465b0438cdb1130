import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { countingHasher, until } from "../helpers/counting-hasher.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

let server: TestServer;
// Lets a race be staged: both changes hold at the password check (authenticated, user read) until both got there.
const gate = countingHasher();
beforeAll(async () => {
  server = await startServer({ rateLimitIpAttempts: 100_000, passwordHasher: gate.hasher });
});

/** Runs both requests so that each has authenticated and read the user before either verifies: a real race, every time. */
async function raced<T>(start: () => [Promise<T>, Promise<T>]): Promise<[T, T]> {
  gate.hold();
  const both = start();
  await until(() => gate.held() === 2);
  gate.release();
  return Promise.all(both);
}
afterAll(() => server.close());

const password = "original password 1";
const repetitions = 20;

async function tokenFor(username: string, secret = password) {
  return (await createClient({ url: `${server.url}/trpc` }).auth.login.mutate({ username, password: secret })).token;
}

function outcome(promise: Promise<unknown>) {
  return promise.then(
    () => ({ ok: true as const }),
    (error: { data?: { code: string }; message: string }) => ({ ok: false as const, code: error.data?.code, message: error.message }),
  );
}

describe("two concurrent changes with the right current password", () => {
  it(`exactly one wins and the other gets CONFLICT (${repetitions} times)`, async () => {
    for (let round = 0; round < repetitions; round++) {
      const username = uniqueName("race");
      await signUpAndIn(server.url, { username, password });
      const url = `${server.url}/trpc`;
      const [first, second] = [createClient({ url, token: await tokenFor(username) }), createClient({ url, token: await tokenFor(username) })];
      const results = await raced(() => [
        outcome(first.auth.changePassword.mutate({ currentPassword: password, newPassword: "winner number one" })),
        outcome(second.auth.changePassword.mutate({ currentPassword: password, newPassword: "winner number two" })),
      ]);
      const winners = results.filter((result) => result.ok);
      expect(winners).toHaveLength(1);
      const loser = results.find((result) => !result.ok);
      expect(loser).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/just changed by another request/) });

      // Exactly the winner's password works, and no session survived.
      const winnerPassword = results[0]!.ok ? "winner number one" : "winner number two";
      const loserPassword = results[0]!.ok ? "winner number two" : "winner number one";
      expect((await signIn(new Device(server.url), { username, password: loserPassword })).status).toBe(401);
      expect((await signIn(new Device(server.url), { username, password: winnerPassword })).status).toBe(303);
    }
  });

  it("the JSON door answers the loser with 409", async () => {
    const username = uniqueName("race");
    const first = await signUpAndIn(server.url, { username, password });
    const second = new Device(server.url);
    await signIn(second, { username, password });
    const body = (next: string) => ({ current_password: password, new_password: next, confirm_new_password: next });
    const responses = await raced(() => [
      first.postJson("/private/change-password", body("winner number one")),
      second.postJson("/private/change-password", body("winner number two")),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([303, 409]);
  });
});

describe("a login with the old password racing a change", () => {
  it(`never leaves a live session behind (${repetitions} times)`, async () => {
    let lateLogins = 0;
    for (let round = 0; round < repetitions; round++) {
      const username = uniqueName("login_race");
      const changer = await signUpAndIn(server.url, { username, password });
      const racer = new Device(server.url);
      // The dangerous window is while the change hashes the new password: the login has read the
      // old hash and is verifying it when the change commits. Start the login at staggered moments.
      const delay = (round * 5) % 80;
      const [change, login] = await Promise.all([
        changer.submitForm("/private/change-password", {
          current_password: password,
          new_password: "the new password",
          confirm_new_password: "the new password",
        }),
        new Promise((resolve) => setTimeout(resolve, delay)).then(() => signIn(racer, { username, password })),
      ]);
      expect(change.status).toBe(303);
      // Whether or not the login got through, its session is not alive now.
      expect([303, 401]).toContain(login.status);
      if (login.status === 303) lateLogins++;
      expect((await racer.request("/private/change-password")).status).toBe(302);
    }
    // Some logins did get through with the old password: the race was really run.
    expect(lateLogins).toBeGreaterThan(0);
  });
});

describe("a fault between the update and the session delete", () => {
  it("rolls everything back: the old password still works and every session survives", async () => {
    const username = uniqueName("fault");
    const device = await signUpAndIn(server.url, { username, password });
    const other = new Device(server.url);
    await signIn(other, { username, password });
    const sql = sqlOf(server.app.store);
    const hashBefore = await sql.value(`SELECT password_hash FROM "user" WHERE username = ?`, username);
    // A real fault inside the transaction: the database aborts the session delete.
    if (sql.dialect === "sqlite") {
      await sql.run("CREATE TRIGGER injected_fault BEFORE DELETE ON session BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
    } else {
      await sql.run("CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$");
      await sql.run("CREATE TRIGGER injected_fault BEFORE DELETE ON session FOR EACH ROW EXECUTE FUNCTION injected_fault()");
    }
    try {
      const response = await device.postJson("/private/change-password", {
        current_password: password,
        new_password: "never stored password",
        confirm_new_password: "never stored password",
      });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toMatch(/injected fault|SQLITE|P0001|at .*\.ts/);
    } finally {
      await sql.run(sql.dialect === "sqlite" ? "DROP TRIGGER injected_fault" : "DROP TRIGGER injected_fault ON session");
    }
    expect(await sql.value(`SELECT password_hash FROM "user" WHERE username = ?`, username)).toBe(hashBefore);
    expect(await sql.value(`SELECT password_changed_at FROM "user" WHERE username = ?`, username)).toBeNull();
    expect((await other.request("/private/change-password")).status).toBe(200);
    expect((await device.request("/private/change-password")).status).toBe(200);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
  });
});
