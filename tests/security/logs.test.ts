import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { cheapHasher } from "../helpers/cheap-hasher.js";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { capturedLogger } from "../helpers/logs.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

const logs = capturedLogger();
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ logger: logs.logger });
});
afterAll(() => server.close());

describe("auth events", () => {
  // Every secret this test types or receives; none may reach a log line or the auth_event table.
  const secrets: string[] = [];
  const secret = (text: string) => {
    secrets.push(text);
    return text;
  };

  it("are logged and recorded for every door, with who, where and why, and never a secret", async () => {
    const username = uniqueName("audit");
    const original = secret("Original-Secret-Password-1");
    const device = await signUpAndIn(server.url, { username, password: original });
    secrets.push(device.cookies.get("session")!);
    const userAgent = "AuditTest/1.0";
    const { token } = await createClient({ url: `${server.url}/trpc` }).auth.login.mutate({ username, password: original });
    secrets.push(token!, device.cookies.get("device")!);
    // The typed client runs on the same device (it sends the device cookie): all five failures
    // below count against this one known device.
    const client = createClient({
      url: `${server.url}/trpc`,
      token,
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set("cookie", `device=${device.cookies.get("device")}`);
        return fetch(input, { ...init, headers });
      },
    });

    // Failures through each door, each with its own wrong password.
    const wrongForm = secret("Wrong-Form-Password-1");
    await device.submitForm(
      "/private/change-password",
      { current_password: wrongForm, new_password: secret("Next-Form-Password-1"), confirm_new_password: "Next-Form-Password-1" },
      { headers: { "user-agent": userAgent } },
    );
    const wrongJson = secret("Wrong-Json-Password-1");
    await device.postJson("/private/change-password", {
      current_password: wrongJson,
      new_password: secret("Next-Json-Password-1"),
      confirm_new_password: "Next-Json-Password-1",
    });
    await client.auth.changePassword
      .mutate({ currentPassword: secret("Wrong-Trpc-Password-1"), newPassword: secret("Next-Trpc-Password-1") })
      .catch(() => {});
    await signIn(device, { username, password: secret("Wrong-Login-Password-1") });
    await signIn(device, { username, password: secret("Wrong-Login-Password-2") });
    // The fifth failure above; this sixth attempt is blocked.
    await signIn(device, { username, password: original });

    // A success (after the block, from a fresh account).
    const other = uniqueName("audit");
    const otherPassword = secret("Other-Secret-Password-1");
    const otherDevice = await signUpAndIn(server.url, { username: other, password: otherPassword });
    secrets.push(otherDevice.cookies.get("session")!);
    const changed = await otherDevice.submitForm("/private/change-password", {
      current_password: otherPassword,
      new_password: secret("Other-Changed-Password-2"),
      confirm_new_password: "Other-Changed-Password-2",
    });
    expect(changed.status).toBe(303);

    const entries = logs.entries();
    const userId = (await sqlOf(server.app.store).value(`SELECT id FROM "user" WHERE username = ?`, username));
    const failures = entries.filter((entry) => entry.event === "password_change_failed");
    expect(failures.map((entry) => entry.reason)).toEqual(["incorrect_password", "incorrect_password", "incorrect_password"]);
    expect(failures[0]).toMatchObject({ userId, ip: "127.0.0.1", userAgent, level: 40 });
    expect(typeof failures[0]!.time).toBe("string");
    expect(entries.filter((entry) => entry.event === "login_failed").map((entry) => entry.reason)).toEqual([
      "invalid_credentials",
      "invalid_credentials",
    ]);
    expect(entries.find((entry) => entry.event === "rate_limited")).toMatchObject({ reason: "rate_limited" });
    expect(entries.filter((entry) => entry.event === "login_succeeded").length).toBeGreaterThanOrEqual(3);
    expect(entries.find((entry) => entry.event === "password_change_succeeded")).toMatchObject({ ip: "127.0.0.1" });

    const table = (await sqlOf(server.app.store).all("SELECT type, reason, user_id, ip, user_agent FROM auth_event"));
    expect(table).toContainEqual({ type: "password_change_failed", reason: "incorrect_password", user_id: userId, ip: "127.0.0.1", user_agent: userAgent });
    expect(table).toContainEqual(expect.objectContaining({ type: "password_change_succeeded" }));
    expect(table).toContainEqual(expect.objectContaining({ type: "rate_limited", user_id: null }));

    const everything = logs.text() + JSON.stringify((await sqlOf(server.app.store).all("SELECT * FROM auth_event")));
    for (const value of secrets) expect(everything).not.toContain(value);
  });
});

describe("an unexpected error inside a page", () => {
  const errorLogs = capturedLogger();
  let broken: TestServer;
  beforeAll(async () => {
    // A hasher that breaks: the login page's action fails in a way no door expects.
    broken = await startServer({
      logger: errorLogs.logger,
      passwordHasher: {
        ...cheapHasher,
        verifyNothing: async () => {
          throw new Error("the hasher broke (deliberately, in a test)");
        },
      },
    });
  });
  afterAll(() => broken.close());

  /** Everything written to the console or the process's own streams while `action` runs. */
  async function consoleOutputOf(action: () => Promise<unknown>): Promise<string> {
    const written: string[] = [];
    const keep = (...parts: unknown[]) => void written.push(parts.map(String).join(" "));
    const spies = [
      vi.spyOn(console, "error").mockImplementation(keep),
      vi.spyOn(console, "warn").mockImplementation(keep),
      vi.spyOn(console, "log").mockImplementation(keep),
      vi.spyOn(console, "info").mockImplementation(keep),
      vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (keep(chunk), true)),
      vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (keep(chunk), true)),
    ];
    try {
      await action();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return written.join("\n");
  }

  it("is logged as one JSON line through the app's logger, and nothing reaches the console", async () => {
    let status = 0;
    const printed = await consoleOutputOf(async () => {
      const response = await signIn(new Device(broken.url), { username: uniqueName("nobody"), password: "any password at all" });
      status = response.status;
      await response.text();
    });
    expect(status).toBe(500);
    expect(printed).toBe("");

    const lines = errorLogs.text().split("\n").filter((line) => line.includes("the hasher broke"));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { level: number; msg: string; err: { message: string; stack: string } };
    expect(entry).toMatchObject({ level: 50, msg: "unexpected error" });
    expect(entry.err.message).toContain("the hasher broke");
    expect(errorLogs.entries().filter((logged) => logged.msg === "unexpected error")).toHaveLength(1);
  });
});
