import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { databaseEnv } from "../helpers/backend.js";
import { sqlOf } from "../helpers/sql.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const password = "original password 1";

/**
 * Runs the command as a person would, against the running server's database file. On a terminal,
 * each answer is typed once its prompt is on the screen (`answers`: prompt → what is typed), so
 * the test does not depend on how fast the command starts.
 */
function passwd(args: string[], input: string, options: { tty?: boolean; answers?: [prompt: string, typed: string][]; env?: Record<string, string> } = {}) {
  const command = [process.execPath, "--import", "tsx", "server/cli/passwd.ts", ...args];
  // `script` gives the command a real terminal, to check that nothing typed is echoed.
  const [file, argv] = options.tty
    ? ["script", ["-qec", command.map((part) => `'${part}'`).join(" "), "/dev/null"]]
    : [command[0]!, command.slice(1)];
  const child = spawn(file, argv, {
    env: { ...process.env, ...databaseEnv(server.database), LOG_LEVEL: "silent", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const answers = [...(options.answers ?? [])];
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    // Under `script`, the command's prompts (written to its standard error) come out here.
    while (answers.length > 0 && stdout.includes(answers[0]![0])) child.stdin.write(answers.shift()![1]);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  if (!options.tty) child.stdin.end(input);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

describe("npm run passwd -- <username>", () => {
  it("sets the password from standard input, signs every session out and notifies the owner", async () => {
    const username = uniqueName("cli");
    const device = await signUpAndIn(server.url, { username, password });
    const fresh = "set from the command line";
    const result = await passwd([username], `${fresh}\n${fresh}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Password changed for ${username}; 1 session signed out; ${username}@example.com notified.`);
    expect(result.stdout + result.stderr).not.toContain(fresh);

    expect((await device.request("/private/change-password")).status).toBe(302);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(401);
    expect((await signIn(new Device(server.url), { username, password: fresh })).status).toBe(303);
    const notices = (await sqlOf(server.app.store).all("SELECT recipient, subject, body FROM outbox WHERE recipient = ?", `${username}@example.com`)) as { body: string }[];
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toContain("by an administrator on the server's command line");
    expect(notices[0]!.body).not.toContain(fresh);
  });

  it("prompts twice on a terminal without echoing what is typed", async () => {
    const username = uniqueName("cli");
    await signUpAndIn(server.url, { username, password });
    const fresh = "typed at the prompt 42";
    const result = await passwd([username], "", {
      tty: true,
      answers: [
        [`New password for ${username}: `, `${fresh}\r`],
        ["Repeat it: ", `${fresh}\r`],
      ],
    });
    expect(result.stdout).toContain(`New password for ${username}: `);
    expect(result.stdout).toContain("Repeat it: ");
    expect(result.stdout).toContain(`Password changed for ${username}`);
    expect(result.stdout).not.toContain(fresh);
    expect((await signIn(new Device(server.url), { username, password: fresh })).status).toBe(303);
  });

  it("takes both lines of a paste at the first prompt", async () => {
    const username = uniqueName("cli");
    await signUpAndIn(server.url, { username, password });
    const fresh = "pasted in one go 42";
    const result = await passwd([username], "", { tty: true, answers: [[`New password for ${username}: `, `${fresh}\r${fresh}\r`]] });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Password changed for ${username}`);
    expect(result.stdout).not.toContain(fresh);
    expect((await signIn(new Device(server.url), { username, password: fresh })).status).toBe(303);
  });

  it("refuses in read-only mode with a clear message and exit code 1", async () => {
    const username = uniqueName("cli");
    await signUpAndIn(server.url, { username, password });
    const result = await passwd([username], "set while read only 1\n", { env: { READ_ONLY: "true" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Running in read only mode. Nothing was changed.");
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
  });

  it.each([
    ["an unknown user", ["ghost_user"], "whatever password 1\n", /There is no user called "ghost_user"\. Nothing was changed\./],
    ["a common password", ["__USER__"], "qwerty123456\n", /This password is too common.*Nothing was changed\./],
    ["a password too short", ["__USER__"], "short\n", /Password must be at least 12 characters long\. Nothing was changed\./],
    [
      "a password too easy to guess",
      ["__USER__"],
      "password123456\n",
      /This password is too easy to guess\. .*Add another word or two\. Uncommon words are better\. Nothing was changed\./,
    ],
    ["two different passwords", ["__USER__"], "first password one\nsecond password two\n", /do not match\. Nothing was changed\./],
    ["no password", ["__USER__"], "\n", /No password given\./],
  ])("refuses %s with a clear message and exit code 1", async (_name, args, input, message) => {
    const username = uniqueName("cli");
    await signUpAndIn(server.url, { username, password });
    const result = await passwd(args.map((arg) => arg.replace("__USER__", username)), input);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect((await signIn(new Device(server.url), { username, password })).status).toBe(303);
  });

  it("without a username prints its usage and exits with 2", async () => {
    const result = await passwd([], "");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("usage: npm run passwd -- <username>");
  });
});
