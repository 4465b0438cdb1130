import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { freshDatabase, type FreshDatabase } from "../helpers/backend.js";

/**
 * `npm start` runs the server compiled by `npm run build` (build/server) with plain `node`: no
 * TypeScript compile at start or in any worker, and no rebuild when the build is up to date
 * (`npm test` builds first, as CI does).
 */

let database: FreshDatabase;
const children: ReturnType<typeof spawn>[] = [];
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once("exit", resolve)) : null)));
  await database.remove();
});

function run(args: string[], input?: string) {
  const env = { ...process.env, PORT: "0", HOST: "127.0.0.1", ...database.env, LOG_LEVEL: "silent" };
  const child = spawn(process.execPath, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  if (input !== undefined) child.stdin.end(input);
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited: new Promise<number | null>((resolve) => child.on("close", resolve)),
  };
}

describe("npm start", () => {
  it("runs the compiled server with node, without rebuilding an up-to-date build", async () => {
    expect(existsSync("build/server/server/main.js")).toBe(true);
    const server = run(["scripts/start.mjs"]);
    const url = await new Promise<string>((resolve, reject) => {
      server.child.stdout.on("data", () => {
        const match = /listening on (http:\/\/\S+)/.exec(server.output().stdout);
        if (match) resolve(match[1]!);
      });
      server.child.on("close", (code) => reject(new Error(`exited ${code}: ${JSON.stringify(server.output())}`)));
    });
    expect(server.output().stderr).not.toContain("Building");
    expect((await fetch(`${url}/login`)).status).toBe(200);
    await createClient({ url: `${url}/trpc` }).auth.register.mutate({ username: "started", email: "started@example.com", password: "original password 1" });

    // `npm run passwd` takes the same compiled route.
    const passwd = run(["scripts/start.mjs", "server/cli/passwd.js", "started"], "set from the compiled cli 1\n");
    expect(await passwd.exited).toBe(0);
    expect(passwd.output().stdout).toContain("Password changed for started");
    const { token } = await createClient({ url: `${url}/trpc` }).auth.login.mutate({ username: "started", password: "set from the compiled cli 1" });
    expect(token).toBeTruthy();
    server.child.kill("SIGTERM");
    await server.exited;
  });
});
