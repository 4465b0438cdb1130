import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, signIn, signUpAndIn } from "../helpers/device.js";
import { uniqueName } from "../helpers/doors.js";
import { holdRequest, parseResponses, refusedSoon } from "../helpers/held-request.js";
import { freshDatabase, type FreshDatabase } from "../helpers/backend.js";

/** WEB_CONCURRENCY=2: two worker processes on one port and one SQLite file. */

let database: FreshDatabase;
let primary: ChildProcess;
let url: string;
/** What the primary writes to standard error (it says so when it restarts a worker). */
let primaryErrors = "";

beforeAll(async () => {
  database = await freshDatabase();
  primary = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      WEB_CONCURRENCY: "2",
      PORT: "0",
      HOST: "127.0.0.1",
      ...database.env,
      LOG_LEVEL: "silent",
      // Bounds for a busy machine, not speeds: a held request must outlast nothing but the test.
      SHUTDOWN_TIMEOUT_SECONDS: "120",
      REQUEST_TIMEOUT_SECONDS: "120",
      HEADERS_TIMEOUT_SECONDS: "60",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  primary.stderr!.on("data", (chunk: Buffer) => {
    primaryErrors += chunk.toString();
    process.stderr.write(chunk);
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
afterAll(async () => {
  primary?.kill("SIGTERM");
  if (primary && primary.exitCode === null && primary.signalCode === null) await once(primary, "exit");
  await database.remove();
});

const password = "original password 1";
const fresh = "a brand new password";
/** A new connection per request, so that the cluster hands requests to the workers in turn. */
const fresh_connection = { headers: { connection: "close" } };

/** Child processes of the primary running the server (tsx may add a helper process of its own). */
function workerPids(): number[] {
  let children: string[];
  try {
    children = execFileSync("pgrep", ["-P", String(primary.pid)]).toString().trim().split("\n");
  } catch {
    return []; // pgrep exits 1 when there are none
  }
  return children.filter((pid) => commandLine(pid).includes("server/main.ts")).map(Number);
}

/** A process's command line; empty once it has gone (it may end between pgrep and here). */
function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls, spaced out, until `check` holds; the bound only ends a hung test. */
async function eventually(check: () => boolean, boundMs = 60_000): Promise<void> {
  const giveUp = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`still not true after ${boundMs} ms: ${check}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("two worker processes", () => {
  it("really run", () => {
    expect(workerPids()).toHaveLength(2);
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

describe("the primary", () => {
  it("replaces a worker that dies while nobody is shutting it down", async () => {
    const before = workerPids();
    expect(before).toHaveLength(2);
    process.kill(before[0]!, "SIGKILL");
    await eventually(() => {
      const now = workerPids();
      return now.length === 2 && !now.includes(before[0]!);
    });
    await eventually(() => primaryErrors.includes(`worker ${before[0]} ended (SIGKILL); starting another`));
    // The port still answers every new connection.
    for (let attempt = 0; attempt < 4; attempt++) {
      expect((await fetch(`${url}/healthz`, fresh_connection)).status).toBe(200);
    }
  });

  it("on SIGTERM: the workers finish the request in flight, none is restarted, all exit, the primary last and with 0", async () => {
    const workers = workerPids();
    expect(workers).toHaveLength(2);
    const restartsBefore = primaryErrors.split("starting another").length;
    const body = JSON.stringify({ username: "nobody_here", password: "some password 1" });
    const slow = await holdRequest(url, {
      method: "POST",
      path: "/trpc/auth.login",
      headers: { "content-type": "application/json" },
      contentLength: Buffer.byteLength(body),
    });
    let primaryExited = false;
    const primaryExit = once(primary, "exit").then(([code, signal]) => {
      primaryExited = true;
      return { code, signal };
    });

    primary.kill("SIGTERM");
    await refusedSoon(url);
    // Held well past the primary's old two-second cut-off: it must wait for its workers, whose
    // own bound is SHUTDOWN_TIMEOUT_SECONDS (120 s here).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(primaryExited).toBe(false);
    slow.send(body);
    const [, answer] = parseResponses((await slow.reply).text);
    expect(answer?.status).toBe(401);

    expect(await primaryExit).toEqual({ code: 0, signal: null });
    for (const pid of workers) expect(isRunning(pid)).toBe(false);
    expect(primaryErrors.split("starting another").length).toBe(restartsBefore);
  });
});
