import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/**
 * The real server (`server/main.ts`) in a separate Node process, as a deployment runs it: its own
 * event loop, its own SQLite connection, its own clock. Configured only through environment
 * variables; `nodeArgs` go before `--import tsx` (e.g. another `--import` preload).
 */

export type ServerProcess = {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if the process is still there after `graceMs`. Safe to call twice. */
  stop: (graceMs?: number) => Promise<void>;
};

export type ServerProcessOptions = {
  env?: Record<string, string | undefined>;
  nodeArgs?: string[];
  /** How long to wait for "listening on http://..." before giving up. */
  startTimeoutMs?: number;
};

const running = new Set<ChildProcess>();
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Starts a server process and resolves once it listens. */
export function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", "server/main.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      RATE_LIMIT_IP_ATTEMPTS: "100000",
      RATE_LIMIT_REGISTER_ATTEMPTS: "100000",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));

  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async (graceMs = 3000) => {
    if (exited()) return;
    const gone = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await gone;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    let output = "";
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill("SIGKILL");
      reject(new Error(`server did not start within ${options.startTimeoutMs ?? 30_000} ms: ${output}`));
    }, options.startTimeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      if (settled) return;
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (!url) return;
      settled = true;
      clearTimeout(timer);
      resolve({ url, child, stop });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`server exited (${signal ?? code}) before listening: ${output}`));
    });
  });
}

/** Kills every server process still running (for afterAll). */
export async function stopAllServerProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => {
    if (child.exitCode !== null || child.signalCode !== null) return undefined;
    const gone = once(child, "exit");
    child.kill("SIGKILL");
    return gone;
  }));
}

export type ServerProcessExit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * Runs `server/main.ts` with `options.env` until it exits on its own (a start-up that must fail);
 * kills it and rejects if it is still running after `timeoutMs`.
 */
export function runServerProcessToExit(options: ServerProcessOptions & { timeoutMs?: number } = {}): Promise<ServerProcessExit> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", "server/main.ts"], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server still running after ${timeoutMs} ms: ${JSON.stringify({ stdout, stderr })}`));
    }, timeoutMs);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
