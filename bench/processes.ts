import { fork, spawn, type ChildProcess } from "node:child_process";
import type { ProcessReport } from "./monitor.js";

/** The servers under test, each in its own process, and their side of the IPC (bench/monitor.ts). */

const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

export type Server = { child: ChildProcess; url: string };

export function forkServer(script: string, env: Record<string, string>): Promise<Server> {
  const child = fork(script, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.on("message", (message: { type: string; url?: string }) => {
      if (message.type === "ready") resolve({ child, url: message.url! });
    });
    child.on("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** `npm start`'s entry (server/main.ts), for the WEB_CONCURRENCY rows: no IPC, a URL on stdout. */
export function startMain(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

export function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.child.removeAllListeners("exit");
    server.child.once("exit", () => resolve());
    server.child.kill("SIGKILL");
  });
}

/** The process's counters start afresh (see bench/monitor.ts). */
export function resetReport(server: Server) {
  server.child.send({ type: "reset" });
}

export function readReport(server: Server): Promise<ProcessReport> {
  return ask<ProcessReport>(server, { type: "report" }, "report");
}

/** A CPU profile of the main thread from now until `stopProfile` (bench/profile-top.ts reads it). */
export function startProfile(server: Server) {
  server.child.send({ type: "profile-start" });
}

export async function stopProfile(server: Server, file: string): Promise<void> {
  await ask(server, { type: "profile-stop", file }, "profile-written");
}

function ask<T>(server: Server, message: { type: string; file?: string }, answer: string): Promise<T> {
  const { child } = server;
  return new Promise((resolve) => {
    const onMessage = (reply: { type: string } & T) => {
      if (reply.type !== answer) return;
      child.off("message", onMessage);
      resolve(reply);
    };
    child.on("message", onMessage);
    child.send(message);
  });
}
