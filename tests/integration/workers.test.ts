import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { tempDir } from "../helpers/temp.js";

/** WEB_CONCURRENCY=2: two worker processes on one port and one SQLite file. */

const dir = tempDir("cp-workers-");
let primary: ChildProcess;
let url: string;

beforeAll(async () => {
  primary = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      WEB_CONCURRENCY: "2",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_PATH: join(dir.path, "app.db"),
      LOG_LEVEL: "silent",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  url = await new Promise<string>((resolve, reject) => {
    let output = "";
    primary.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+) \(2 workers/.exec(output);
      if (match) resolve(match[1]!);
    });
    primary.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
});
afterAll(() => {
  primary?.kill("SIGTERM");
  dir.remove();
});

const password = "original password 1";
const fresh = "a brand new password";
/** A new connection per request, so that the cluster hands requests to the workers in turn. */
const fresh_connection = { headers: { connection: "close" } };

describe("two worker processes", () => {
  it("really run", () => {
    // Child processes of the primary running the server (tsx may add a helper process of its own).
    const children = execFileSync("pgrep", ["-P", String(primary.pid)]).toString().trim().split("\n");
    const workers = children.filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("server/main.ts"));
    expect(workers).toHaveLength(2);
  });

  it("a change through one worker signs the user out in all of them", async () => {
    const username = uniqueName("workers");
    const device = await signUpAndIn(url, { username, password });
    const other = new Device(url);
    await signIn(other, { username, password });
    for (let attempt = 0; attempt < 4; attempt++) {
      expect((await other.request("/private/change-password", fresh_connection)).status).toBe(200);
    }
    const change = await device.submitForm(
      "/private/change-password",
      { current_password: password, new_password: fresh, confirm_new_password: fresh },
      fresh_connection,
    );
    expect(change.status).toBe(303);
    for (let attempt = 0; attempt < 4; attempt++) {
      expect((await other.request("/private/change-password", fresh_connection)).status).toBe(302);
    }
  });

  it("share the rate-limit counters", async () => {
    const username = uniqueName("workers");
    await signUpAndIn(url, { username, password });
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await new Device(url).postForm("/login", { username, password: "wrong!" }, fresh_connection);
      expect(response.status).toBe(401);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await new Device(url).postForm("/login", { username, password }, fresh_connection);
      expect(response.status).toBe(429);
    }
  });
});
