import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runServerProcessToExit, stopAllServerProcesses } from "../helpers/server-process.js";
import { tempDir } from "../helpers/temp.js";

/**
 * A start-up that cannot work stops at once with exit code 1 and ONE line on standard error that
 * names the variable to change: no stack trace, no restart loop. Run as a deployment runs it:
 * `server/main.ts` in its own process, configured by environment variables only.
 */

const dir = tempDir("cp-startup-");
let busy: Server;
let busyPort: number;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await stopAllServerProcesses();
  busy.close();
  dir.remove();
});

let databases = 0;
const freshDatabase = () => join(dir.path, `app-${++databases}.db`);

async function startUpFails(env: Record<string, string>) {
  const result = await runServerProcessToExit({ env: { DATABASE_PATH: freshDatabase(), ...env } });
  expect(result.code, JSON.stringify(result)).toBe(1);
  expect(result.stdout).toBe("");
  const lines = result.stderr.split("\n").filter((line) => line !== "");
  expect(lines, result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

/** Processes still running with this DATABASE_PATH in their environment (a worker left behind). */
function processesWith(databasePath: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(`DATABASE_PATH=${databasePath}\0`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

describe("a busy PORT", () => {
  it("stops a single process with one line naming PORT", async () => {
    const line = await startUpFails({ PORT: String(busyPort) });
    expect(line).toBe(`Cannot start: PORT (option port): 127.0.0.1:${busyPort} is already in use; stop what listens there or choose another PORT`);
  });

  it("with WEB_CONCURRENCY=2 stops the primary and every worker with that one line, instead of restarting workers forever", async () => {
    const databasePath = freshDatabase();
    // Restarting workers forever would never exit: the bound ends that (generous: it measures no speed).
    const result = await runServerProcessToExit({ env: { PORT: String(busyPort), WEB_CONCURRENCY: "2", DATABASE_PATH: databasePath }, timeoutMs: 120_000 });
    expect(result.code, JSON.stringify(result)).toBe(1);
    expect(result.stderr).toBe(`Cannot start: PORT (option port): 127.0.0.1:${busyPort} is already in use; stop what listens there or choose another PORT\n`);
    expect(processesWith(databasePath)).toEqual([]);
  });
});

describe("an unreachable DATABASE_URL", () => {
  it("stops with one line naming DATABASE_URL and why, never its password", async () => {
    const line = await startUpFails({ DATABASE_URL: `postgres://app:hunter2secret@127.0.0.1:${busyPort}/accounts`, DATABASE_STATEMENT_TIMEOUT_MS: "2000" });
    expect(line).toMatch(new RegExp(`^Cannot start: DATABASE_URL \\(option databaseUrl\\): cannot use PostgreSQL at 127\\.0\\.0\\.1:${busyPort}/accounts: `));
    expect(line).not.toContain("hunter2secret");
  });
});

describe("an unusable DATABASE_PATH", () => {
  it("a file where its folder should be: one line naming DATABASE_PATH", async () => {
    const file = join(dir.path, "a-file");
    writeFileSync(file, "not a folder");
    const databasePath = join(file, "app.db");
    const line = await startUpFails({ DATABASE_PATH: databasePath });
    expect(line).toBe(`Cannot start: DATABASE_PATH (option databasePath): cannot use ${JSON.stringify(databasePath)}: a file stands where its folder should be`);
  });

  it.each(["1", "2"])("a folder instead of a file (WEB_CONCURRENCY=%s): one line naming DATABASE_PATH", async (workers) => {
    const folder = join(dir.path, `a-folder-${workers}`);
    mkdirSync(folder);
    const line = await startUpFails({ DATABASE_PATH: folder, WEB_CONCURRENCY: workers });
    expect(line).toMatch(/^Cannot start: DATABASE_PATH \(option databasePath\): cannot use ".*a-folder-\d": SQLite cannot open it/);
  });

  it("a file that is not a SQLite database: one line naming DATABASE_PATH", async () => {
    const databasePath = join(dir.path, "not-sqlite.db");
    writeFileSync(databasePath, "x".repeat(4096));
    const line = await startUpFails({ DATABASE_PATH: databasePath });
    expect(line).toMatch(/^Cannot start: DATABASE_PATH \(option databasePath\): cannot use ".*not-sqlite\.db": it is not a SQLite database$/);
  });
});

describe("a bad option value", () => {
  it("STYLES that is not JSON says so, rather than 'expected object, received string'", async () => {
    const line = await startUpFails({ STYLES: "{buttonColor: red}" });
    expect(line).toMatch(/^Invalid configuration: STYLES \(option styles\): must be a JSON object such as \{"buttonColor":"#1565C0"\}; it is not valid JSON \(.+\)$/);
    expect(line).not.toContain("received string");
  });

  it("STYLES with a colour name that does not exist lists the names", async () => {
    const line = await startUpFails({ STYLES: '{"buttonColour":"red"}' });
    expect(line).toBe(
      'Invalid configuration: STYLES (option styles): unknown colour name "buttonColour"; the names are backgroundColor, foregroundColor, textColor, errorTextColor, buttonColor, buttonTextColor, linkColor, borderColor',
    );
  });

  it("a boolean that is no boolean lists the accepted words", async () => {
    const line = await startUpFails({ READ_ONLY: "maybe" });
    expect(line).toBe('Invalid configuration: READ_ONLY (option readOnly): must be one of true/false, 1/0, yes/no, on/off, not "maybe"');
  });

  it("PASSWORD_MAX_LENGTH=6 blames PASSWORD_MAX_LENGTH, not the minimum it was never given", async () => {
    const line = await startUpFails({ PASSWORD_MAX_LENGTH: "6" });
    expect(line).toBe("Invalid configuration: PASSWORD_MAX_LENGTH (option maxPasswordLength): must be at least 8");
  });

  it("PASSWORD_MAX_LENGTH below the default minimum names both", async () => {
    const line = await startUpFails({ PASSWORD_MAX_LENGTH: "10" });
    expect(line).toBe(
      "Invalid configuration: PASSWORD_MAX_LENGTH (option maxPasswordLength): 10 is less than the minimum length, 12 (PASSWORD_MIN_LENGTH); raise it or lower the minimum",
    );
  });

  it("several bad values are one line too", async () => {
    const line = await startUpFails({ PORT: "eighty", TRUST_PROXY: "sometimes" });
    expect(line).toBe(
      'Invalid configuration: PORT (option port): must be a whole number, not "eighty"; TRUST_PROXY (option trustProxy): must be one of true/false, 1/0, yes/no, on/off, not "sometimes"',
    );
  });
});
