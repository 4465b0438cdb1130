/**
 * `npm run bench`: the production build on loopback ports, a fresh database with seeded users,
 * load from autocannon, and one table of figures (also written to bench/results.json).
 */
import autocannon from "autocannon";
import { fork, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../db/database.js";
import { sessionStatements } from "../db/sessions.js";
import { createUserQueries } from "../db/users.js";
import { createPasswordHasher } from "../server/auth/passwords.js";
import { sessionIdOf } from "../server/auth/sessions.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const work = mkdtempSync(join(tmpdir(), "cp-bench-"));
const children: ChildProcess[] = [];
const cleanup = () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
};
process.on("exit", cleanup);

const password = "bench password number 1";
const newPassword = "bench new password number 2";

type Row = { metric: string; value: string; target?: string; met?: boolean };
const rows: Row[] = [];
const results: Record<string, unknown> = {};
function record(key: string, metric: string, value: number, unit: string, target?: { text: string; met: boolean }) {
  results[key] = value;
  rows.push({ metric, value: `${round(value)} ${unit}`.trim(), target: target?.text, met: target?.met });
}
const round = (value: number) => (Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100);

// ---------------------------------------------------------------------------------------------
// The hash limit: Argon2id hash+verify pairs per second with our parameters, nothing else running.

async function hashLimit(): Promise<number> {
  // Our parameters without our concurrency bound (as many in flight as the loop sends): the machine's own limit.
  const argon2id = createPasswordHasher({ concurrency: 64 });
  let best = 0;
  for (const inFlight of [2, 4]) {
    let pairs = 0;
    const end = Date.now() + 3000;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (Date.now() < end) {
          await argon2id.verify(await argon2id.hash(password), password);
          pairs++;
        }
      }),
    );
    best = Math.max(best, pairs / ((Date.now() - started) / 1000));
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Seeding: users with a known password and a session each, written straight into the database.

async function seedOurs(databasePath: string, count: number) {
  const db = openDatabase(databasePath);
  // One hash for every user: seeding measures nothing, and hashing each would take minutes.
  const passwordHash = await createPasswordHasher().hash(password);
  const users = createUserQueries(db);
  const insertSession = sessionStatements(db).insert;
  const expires = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
  const tokens: string[] = [];
  for (let index = 0; index < count; index++) {
    const token = randomBytes(32).toString("base64url");
    const id = `u${index}`;
    await users.insert({ id, username: `bench_${index}`, email: `bench_${index}@example.com`, passwordHash, createdAt: Date.now() });
    insertSession.run(sessionIdOf(token), expires, id, Date.now(), 0);
    tokens.push(token);
  }
  db.close();
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Processes.

function forkServer(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
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

function startMain(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
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

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type === type) {
        child.off("message", onMessage);
        resolve(message);
      }
    };
    child.on("message", onMessage);
    child.send({ type });
  });
}

// ---------------------------------------------------------------------------------------------
// Load.

type Load = { perSecond: number; ok: number; failed: number; p50: number; p99: number };

async function load(options: autocannon.Options): Promise<Load> {
  const result = await autocannon({ ...options, timeout: 30 });
  const elapsed = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    perSecond: result["2xx"] / elapsed,
    ok: result["2xx"],
    failed: result.non2xx + result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** Each request changes the password of a different seeded user, with a valid session and the right current password. */
function changes(url: string, path: string, credentials: string[], headers: (credential: string) => Record<string, string>, body: string, connections: number) {
  const queue = credentials.slice();
  return load({
    url,
    connections,
    amount: queue.length,
    requests: [
      {
        method: "POST",
        path,
        setupRequest: (request) => ({ ...request, headers: { "content-type": "application/json", ...headers(queue.pop() ?? "") }, body }),
      },
    ],
  });
}

function authenticatedGets(url: string, cookie: string, connections: number, duration = seconds) {
  return load({ url: `${url}/private/change-password`, connections, duration, headers: { cookie } });
}

// ---------------------------------------------------------------------------------------------

/**
 * What a browser downloads for the change-password page with JavaScript on: the page (asked for as
 * a link on this site would ask) and every script and stylesheet it loads, once per Accept-Encoding.
 * Each request goes on a connection of its own through node:http, which never decodes, and counts
 * every byte the connection received: status line, headers and body, as sent.
 */
async function pageWeight(url: string, cookie: string) {
  const html = await (await fetch(`${url}/private/change-password`, { headers: { cookie } })).text();
  const linked = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(\/build\/[^"]+)"/g)].map((match) => match[1]!);
  const imported = [...html.matchAll(/\bfrom "(\/build\/[^"]+)"/g)].map((match) => match[1]!);
  const assets = new Set([...linked, ...imported]);
  const wireBytes = (path: string, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}${path}`, { headers, agent: false }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(res.socket.bytesRead));
      });
      req.on("error", reject).end();
    });
  const weigh = async (accept: Record<string, string>) => {
    // A signed-in page is compressed only for requests that the person or this site made (docs/decisions/003).
    const html = await wireBytes("/private/change-password", { ...accept, cookie, "sec-fetch-site": "same-origin" });
    let js = 0;
    let css = 0;
    for (const asset of assets) {
      const bytes = await wireBytes(asset, { ...accept, "sec-fetch-site": "same-origin" });
      if (asset.endsWith(".css")) css += bytes;
      else js += bytes;
    }
    return { html, js, css, total: html + js + css };
  };
  return {
    assets: assets.size,
    br: await weigh({ "accept-encoding": "br" }),
    gzip: await weigh({ "accept-encoding": "gzip" }),
    identity: await weigh({}),
  };
}

async function main() {
  console.log(`Benchmark on ${cpus()[0]?.model ?? "unknown CPU"} (${availableParallelism()} cores), Node ${process.version}; ${seconds} s per timed run.\n`);

  // Measured before and after our runs (this machine's speed drifts); their mean is the limit.
  const limitBefore = await hashLimit();

  // Ours: one process, a fresh database, enough seeded users for every change.
  const connectionsList = [1, 4, 16];
  const perLevel = (connections: number) => Math.max(connections * 8, Math.ceil(limitBefore * 1.3 * seconds));
  const total = connectionsList.reduce((sum, connections) => sum + perLevel(connections), 0) + perLevel(16) + 1;
  const ourDb = join(work, "ours.db");
  const tokens = await seedOurs(ourDb, total);
  const reader = `session=${tokens.pop()}`;
  const ours = await forkServer("bench/our-server.ts", { DATABASE_PATH: ourDb });

  const trpcBody = JSON.stringify({ currentPassword: password, newPassword });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const ourChanges: Record<number, Load> = {};
  let loopDuringChanges = { p99: 0, max: 0, busy: 0 };
  const loopBusy: Record<number, number> = {};
  // The c16 run is bracketed by two more hash-limit measurements: the ratio compares like with like.
  let limitAtC16 = [limitBefore, limitBefore];
  for (const connections of connectionsList) {
    const before = connections === 16 ? await hashLimit() : 0;
    ours.child.send({ type: "reset" });
    const load = await changes(ours.url, "/trpc/auth.changePassword", tokens.splice(0, perLevel(connections)), bearer, trpcBody, connections);
    const loop = await ask<{ p99: number; max: number; busy: number }>(ours.child, "report");
    loopBusy[connections] = loop.busy;
    if (connections === 16) {
      loopDuringChanges = loop;
      limitAtC16 = [before, await hashLimit()];
    }
    ourChanges[connections] = load;
  }
  const limit = (limitAtC16[0]! + limitAtC16[1]!) / 2;
  record("hashLimitPairsPerSecond", "Hash limit: Argon2id hash+verify pairs/s (m=19456, t=2, p=1)", limit, `/s (${round(limitAtC16[0]!)} before the c16 run, ${round(limitAtC16[1]!)} after)`);
  for (const connections of connectionsList) {
    const load = ourChanges[connections]!;
    const busy = loopBusy[connections] ?? 0;
    record(
      `changesPerSecond_c${connections}`,
      `Change password, concurrency ${connections}`,
      load.perSecond,
      `/s (${load.failed} failed, p99 ${load.p99} ms, loop ${round((busy * 1000) / load.perSecond)} ms/change)`,
    );
  }
  const ratio = ourChanges[16]!.perSecond / limit;
  record("changeToHashLimitRatio_c16", "  ratio to the hash limit at concurrency 16", ratio * 100, "%", { text: "≥ 85 %", met: ratio >= 0.85 });
  const perChange = (loopDuringChanges.busy * 1000) / ourChanges[16]!.perSecond;
  record("eventLoopDelayP99", "  event-loop delay p99 meanwhile", loopDuringChanges.p99, `ms (max ${round(loopDuringChanges.max)} ms; loop busy ${round(loopDuringChanges.busy * 100)} %, ${round(perChange)} ms per change)`, {
    text: "≤ 20 ms",
    met: loopDuringChanges.p99 <= 20,
  });

  const alone = await authenticatedGets(ours.url, reader, 8);
  record("getAlonePerSecond", "Authenticated GET /private/change-password alone", alone.perSecond, "/s");
  record("getAloneP50", "  p50 / p99 latency alone", alone.p50, `/ ${alone.p99} ms`);

  ours.child.send({ type: "reset" });
  const [saturating, during] = await Promise.all([
    changes(ours.url, "/trpc/auth.changePassword", tokens.splice(0, perLevel(16)), bearer, trpcBody, 16),
    authenticatedGets(ours.url, reader, 4, Math.max(2, seconds - 1)),
  ]);
  const loop = await ask<{ p99: number; max: number }>(ours.child, "report");
  record("getDuringPerSecond", "Authenticated GET during change-password at c16", during.perSecond, "/s");
  record("getDuringP99", "  p99 latency during saturation", during.p99, `ms (p50 ${during.p50} ms)`, { text: "≤ 50 ms", met: during.p99 <= 50 });
  record("changesDuringPerSecond", "  changes/s meanwhile", saturating.perSecond, "/s");
  record("eventLoopDelayP99WithGets", "  event-loop delay p99 (hashing and the GET flood)", loop.p99, `ms (max ${round(loop.max)} ms)`);

  const weight = await pageWeight(ours.url, reader);
  const parts = (encoding: "br" | "gzip" | "identity") =>
    `B (HTML ${weight[encoding].html}, JS ${weight[encoding].js}, CSS ${weight[encoding].css} B)`;
  record("pageWireBytes_br", `Page weight over the wire, br (HTML + ${weight.assets} assets)`, weight.br.total, parts("br"), {
    text: "≤ 100 KB total (br)",
    met: weight.br.total <= 100_000,
  });
  record("pageWireBytes_gzip", "  gzip", weight.gzip.total, parts("gzip"));
  record("pageWireBytes_identity", "  uncompressed", weight.identity.total, parts("identity"));
  ours.child.kill("SIGKILL");

  if (process.env.BENCH_QUICK) return finish();

  // The peer: better-auth's change-password endpoint, same driver, same machine, same run.
  const theirDb = join(work, "better-auth.db");
  const peer = await forkServer("bench/better-auth-server.ts", { DATABASE_PATH: theirDb });
  const theirUsers = connectionsList.reduce((sum, connections) => sum + Math.max(connections * 3, 24), 0);
  const cookies: string[] = [];
  for (let index = 0; index < theirUsers; index++) {
    const response = await fetch(`${peer.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: peer.url },
      body: JSON.stringify({ email: `peer_${index}@example.com`, password, name: `peer ${index}` }),
    });
    const cookie = response.headers.getSetCookie().map((value) => value.split(";")[0]).join("; ");
    if (!response.ok || !cookie) throw new Error(`better-auth sign-up failed: ${response.status} ${await response.text()}`);
    cookies.push(cookie);
  }
  const peerBody = JSON.stringify({ currentPassword: password, newPassword });
  for (const connections of connectionsList) {
    const theirs = await changes(
      peer.url,
      "/api/auth/change-password",
      cookies.splice(0, Math.max(connections * 3, 24)),
      (cookie) => ({ cookie, origin: peer.url }),
      peerBody,
      connections,
    );
    record(`peerChangesPerSecond_c${connections}`, `better-auth change password, concurrency ${connections}`, theirs.perSecond, `/s (${theirs.failed} failed)`);
    const oursAtLevel = ourChanges[connections]!.perSecond;
    record(
      `oursToPeerRatio_c${connections}`,
      `  ours / theirs at concurrency ${connections}`,
      oursAtLevel / theirs.perSecond,
      "×",
      connections === 16 ? { text: "≥ 10×", met: oursAtLevel / theirs.perSecond >= 10 } : undefined,
    );
  }
  peer.child.kill("SIGKILL");

  // Multi-core: the same GET with one and with two worker processes on one SQLite file.
  for (const workers of [1, 2]) {
    const databasePath = join(work, `workers-${workers}.db`);
    const [token] = await seedOurs(databasePath, 1);
    const server = await startMain({ DATABASE_PATH: databasePath, WEB_CONCURRENCY: String(workers) });
    const gets = await authenticatedGets(server.url, `session=${token}`, 16);
    record(`getPerSecond_workers${workers}`, `Authenticated GET, WEB_CONCURRENCY=${workers}`, gets.perSecond, `/s (p99 ${gets.p99} ms)`);
    server.child.kill("SIGKILL");
  }

  finish();
}

function finish() {
  printTable();
  writeFileSync("bench/results.json", `${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, results }, null, 2)}\n`);
  console.log("\nWritten to bench/results.json");
}

function printTable() {
  const widths = [Math.max(...rows.map((row) => row.metric.length)), Math.max(...rows.map((row) => row.value.length)), 10];
  const line = (cells: string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(" | ")} |`;
  console.log(line(["Measure", "Value", "Target"]));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of rows) {
    console.log(line([row.metric, row.value, row.target ? `${row.target} ${row.met ? "met" : "MISSED"}` : ""]));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
