/**
 * `npm run bench`: the production build on loopback ports, fresh databases with seeded users,
 * load from a closed-loop driver (bench/load.ts) and autocannon, and one table of figures (also
 * written to bench/results.json). Every figure is the median of several short rounds, shown with
 * its range over them: this machine's speed swings, and the range says by how much it did.
 *
 * BENCH_ROUNDS (5) rounds of BENCH_SECONDS (3) each, after a 0.5 s warm-up; BENCH_QUICK=1 stops
 * after our own figures; BENCH_CPU_PROFILE=<folder> writes a CPU profile of each server's
 * concurrency-16 rounds (read it with bench/profile-top.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { argon2idPair, pairsPerSecond, scryptPair, type HashPair } from "./limits.js";
import { authenticatedGets, closedLoop, countStatuses, type LoadOptions, type LoadRound, type RequestSpec } from "./load.js";
import type { ProcessReport } from "./monitor.js";
import { forkServer, readReport, resetReport, startMain, startProfile, stop, stopProfile, type Server } from "./processes.js";
import { benchNewPassword, benchPassword, seedOurs } from "./seed.js";
import { round, showSpread, spread, type Spread } from "./stats.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const profileDir = process.env.BENCH_CPU_PROFILE;
/** Hash+verify pairs at once when measuring a hash limit: libuv's default thread pool, full. */
const hashesInFlight = 4;
const connectionsList = [1, 4, 16];
const work = mkdtempSync(join(tmpdir(), "cp-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

type Row = { metric: string; value: string; target?: string; met?: boolean };
const rows: Row[] = [];
const results: Record<string, unknown> = {};
function record(key: string, metric: string, value: number, unit: string, target?: { text: string; met: boolean }) {
  results[key] = value;
  rows.push({ metric, value: `${round(value)} ${unit}`.trim(), target: target?.text, met: target?.met });
}
/** A figure from the rounds: its median, then its range ("48.3 /s (45.1–50.2)"), then any detail. */
function recordSpread(key: string, metric: string, figure: Spread, unit: string, detail = "", target?: { text: string; met: boolean }) {
  results[key] = { median: figure.median, min: figure.min, max: figure.max, rounds: figure.values };
  rows.push({ metric, value: `${showSpread(figure, unit)}${detail ? ` ${detail}` : ""}`, target: target?.text, met: target?.met });
}
const section = (title: string) => rows.push({ metric: title, value: "" });
const mib = (bytes: number) => bytes / 2 ** 20;
const median = (values: number[]) => spread(values).median;
const pick = <T>(samples: T[], value: (sample: T) => number) => spread(samples.map(value));

// ---------------------------------------------------------------------------------------------
// Load on a server: a closed loop whose measured window is also the server's report window.

type Measured = { load: LoadRound; report: ProcessReport };

async function measured(server: Server, options: Omit<LoadOptions, "url" | "seconds">): Promise<Measured> {
  let report: Promise<ProcessReport> | undefined;
  const load = await closedLoop({
    ...options,
    url: server.url,
    seconds,
    onWindowOpen: () => resetReport(server),
    onWindowClose: () => {
      report = readReport(server);
    },
  });
  return { load, report: await report! };
}

/** The same, with a CPU profile of it when BENCH_CPU_PROFILE is set. */
async function profiled(server: Server, name: string, run: () => Promise<Measured>): Promise<Measured> {
  if (!profileDir) return run();
  mkdirSync(profileDir, { recursive: true });
  startProfile(server);
  const result = await run();
  await stopProfile(server, join(profileDir, `${name}.cpuprofile`));
  return result;
}

/**
 * Where a change's time goes at concurrency 16: the event loop's busy time (wall clock, what the
 * loop cannot spend on other requests), the main thread's CPU, and the whole process's CPU
 * (hashing included), each in ms per change.
 */
function recordCostPerChange(key: string, samples: Measured[]) {
  const perChange = (value: (report: ProcessReport) => number) => pick(samples, ({ load, report }) => (value(report) * 1000) / load.perSecond);
  const loop = perChange((report) => report.busy);
  const main = perChange((report) => report.mainThreadCpu ?? Number.NaN);
  const whole = perChange((report) => report.cpu);
  results[key] = { eventLoopBusy: loop, mainThreadCpu: main, processCpu: whole };
  rows.push({
    metric: "  per change: event loop busy / main-thread CPU / process CPU",
    value: `${round(loop.median)} / ${round(main.median)} / ${round(whole.median)} ms`,
  });
}

const hashLimitRound = (pair: HashPair) => pairsPerSecond(pair, hashesInFlight, seconds);
const failed = (load: LoadRound) => Object.entries(load.statuses).reduce((sum, [status, count]) => sum + (status.startsWith("2") ? 0 : count), 0);
const sumFailed = (samples: LoadRound[]) => samples.reduce((sum, load) => sum + failed(load), 0);
const json = { "content-type": "application/json" };

// ---------------------------------------------------------------------------------------------
// Ours: change password at three concurrencies, the hash limit measured in each round right before
// the concurrency-16 run (the ratio compares like with like), then the page under that load.

async function benchOurs() {
  const limitGuess = await pairsPerSecond(argon2idPair, hashesInFlight, 1.5);
  // Every change signs its session out (the default), so each needs a seeded user and session of
  // its own: enough for 1.6 × the limit over every change run, with its warm-up and its tail.
  const perRun = (connections: number) => Math.ceil(Math.max(connections * 4, limitGuess * 1.6 * (seconds + 1.5)));
  const runs = [...connectionsList, 16];
  const total = rounds * runs.reduce((sum, connections) => sum + perRun(connections), 0) + 1;
  const databasePath = join(work, "ours.db");
  const tokens = await seedOurs(databasePath, total);
  const reader = `session=${tokens.pop()}`;
  const ours = await forkServer("bench/our-server.ts", { DATABASE_PATH: databasePath });
  const body = JSON.stringify({ currentPassword: benchPassword, newPassword: benchNewPassword });
  let ranOut = false;
  const change = (): RequestSpec | null => {
    const token = tokens.pop();
    if (!token) return (ranOut = true), null;
    return { method: "POST", path: "/trpc/auth.changePassword", headers: { ...json, authorization: `Bearer ${token}` }, body };
  };

  const changes: Record<number, Measured[]> = { 1: [], 4: [], 16: [] };
  const limits: number[] = [];
  for (let index = 0; index < rounds; index++) {
    for (const connections of connectionsList) {
      if (connections === 16) limits.push(await hashLimitRound(argon2idPair));
      const run = () => measured(ours, { connections, next: change });
      changes[connections]!.push(connections === 16 ? await profiled(ours, `ours-c16-round-${index + 1}`, run) : await run());
    }
  }
  const limit = spread(limits);
  section("Ours: Argon2id m=19456 KiB, t=2, p=1");
  recordSpread("hashLimitPairsPerSecond", `Hash limit: hash+verify pairs/s, ${hashesInFlight} at once, nothing else running`, limit, "/s");
  for (const connections of connectionsList) {
    const samples = changes[connections]!;
    recordSpread(
      `changesPerSecond_c${connections}`,
      `Change password, concurrency ${connections}`,
      pick(samples, ({ load }) => load.perSecond),
      "/s",
      `(p99 ${round(median(samples.map(({ load }) => load.p99)))} ms, ${sumFailed(samples.map(({ load }) => load))} failed)`,
    );
  }
  const c16 = changes[16]!;
  const ratio = spread(c16.map(({ load }, index) => (load.perSecond / limits[index]!) * 100));
  recordSpread("changeToHashLimitRatio_c16", "  ratio to the hash limit at concurrency 16", ratio, "%", "", { text: "≥ 90 %", met: ratio.median >= 90 });
  recordCostPerChange("costPerChange_c16", c16);
  const loopP99 = pick(c16, ({ report }) => report.p99);
  recordSpread("eventLoopDelayP99", "  event-loop delay p99 meanwhile", loopP99, "ms", `(max ${round(Math.max(...c16.map(({ report }) => report.max)))} ms)`, {
    text: "≤ 20 ms",
    met: loopP99.median <= 20,
  });
  recordSpread("residentMemoryMiB_c16", "  resident memory (highest in each round)", pick(c16, ({ report }) => mib(report.maxRss)), "MiB");

  const alone: LoadRound[] = [];
  for (let index = 0; index < rounds; index++) alone.push(await authenticatedGets(ours.url, reader, 8, seconds));
  recordSpread("getAlonePerSecond", "Authenticated GET /private/change-password alone", pick(alone, (load) => load.perSecond), "/s");
  recordSpread("getAloneP99", "  p99 latency alone", pick(alone, (load) => load.p99), "ms", `(p50 ${round(median(alone.map((load) => load.p50)))} ms)`);

  const during: { gets: LoadRound; changes: Measured }[] = [];
  for (let index = 0; index < rounds; index++) {
    const [saturating, gets] = await Promise.all([
      measured(ours, { connections: 16, next: change }),
      // The GETs start as the change run's window opens, after its warm-up.
      new Promise((resolve) => setTimeout(resolve, 500)).then(() => authenticatedGets(ours.url, reader, 4, seconds)),
    ]);
    during.push({ gets, changes: saturating });
  }
  recordSpread("getDuringPerSecond", "Authenticated GET during change-password at c16", pick(during, ({ gets }) => gets.perSecond), "/s");
  const getP99 = pick(during, ({ gets }) => gets.p99);
  recordSpread("getDuringP99", "  p99 latency during saturation", getP99, "ms", `(p50 ${round(median(during.map(({ gets }) => gets.p50)))} ms)`, {
    text: "≤ 50 ms",
    met: getP99.median <= 50,
  });
  recordSpread("changesDuringPerSecond", "  changes/s meanwhile", pick(during, ({ changes }) => changes.load.perSecond), "/s");
  recordSpread("eventLoopDelayP99WithGets", "  event-loop delay p99 (hashing and the GET flood)", pick(during, ({ changes }) => changes.report.p99), "ms");
  if (ranOut) throw new Error("The seeded users ran out during a change run: its figures would be too low. Seed more (bench/run.ts, perRun).");

  const weight = await pageWeight(ours.url, reader);
  const parts = (encoding: "br" | "gzip" | "identity") =>
    `B (HTML ${weight[encoding].html}, JS ${weight[encoding].js}, CSS ${weight[encoding].css} B)`;
  record("pageWireBytes_br", `Page weight over the wire, br (HTML + ${weight.assets} assets)`, weight.br.total, parts("br"), {
    text: "≤ 100 KB total (br)",
    met: weight.br.total <= 100_000,
  });
  record("pageWireBytes_gzip", "  gzip", weight.gzip.total, parts("gzip"));
  record("pageWireBytes_identity", "  uncompressed", weight.identity.total, parts("identity"));
  await stop(ours);
  return { changes, limits };
}

// ---------------------------------------------------------------------------------------------
// Hash floods: 32 connections register fresh accounts from random addresses (each passes the
// per-address limit and costs a hash), while one real user signs in over and over from their own.

async function benchFlood() {
  const databasePath = join(work, "flood.db");
  await seedOurs(databasePath, 1);
  const server = await forkServer("bench/our-server.ts", { DATABASE_PATH: databasePath, TRUST_PROXY: "true" });
  const octet = () => Math.floor(Math.random() * 254) + 1;
  let registered = 0;
  const register = (): RequestSpec => {
    const name = `flood_${registered++}`;
    return {
      method: "POST",
      path: "/trpc/auth.register",
      headers: { ...json, "x-forwarded-for": `${octet()}.${octet()}.${octet()}.${octet()}` },
      body: JSON.stringify({ username: name, email: `${name}@example.com`, password: "a flood of fresh accounts" }),
    };
  };
  const signIn: RequestSpec = {
    method: "POST",
    path: "/trpc/auth.login",
    headers: { ...json, "x-forwarded-for": "203.0.113.7" },
    body: JSON.stringify({ username: "bench_0", password: benchPassword }),
  };
  const samples: { flood: LoadRound; signIns: LoadRound; report: ProcessReport }[] = [];
  for (let index = 0; index < rounds; index++) {
    const [flood, signIns] = await Promise.all([
      closedLoop({ url: server.url, connections: 32, seconds, next: register }),
      measured(server, { connections: 1, next: () => signIn }),
    ]);
    samples.push({ flood, signIns: signIns.load, report: signIns.report });
  }
  await stop(server);

  const signInP99 = pick(samples, ({ signIns }) => signIns.p99);
  const signIns = countStatuses(samples.map((sample) => sample.signIns));
  const flood = countStatuses(samples.map((sample) => sample.flood));
  const all = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
  section("Hash floods: 32 connections register");
  recordSpread("floodSignInP99", "Sign-in p99 during a register flood", signInP99, "ms", `(p50 ${round(median(samples.map(({ signIns }) => signIns.p50)))} ms)`, {
    text: "< 1000 ms",
    met: signInP99.median < 1000,
  });
  record("floodSignInBusy", "  sign-ins answered 503 busy", signIns["503"] ?? 0, `of ${all(signIns)} (${signIns["2xx"] ?? 0} signed in)`);
  recordSpread("floodRegistrationsPerSecond", "  the flood's registrations/s", pick(samples, ({ flood }) => flood.perSecond), "/s");
  const shown = ["2xx", "429", "503"];
  const other = all(flood) - shown.reduce((sum, status) => sum + (flood[status] ?? 0), 0);
  const answers = `${shown.map((status) => `${status} ${flood[status] ?? 0}`).join(", ")}, other ${other}`;
  record("floodAnswers", "  the flood's answers, all rounds", all(flood), `(${answers})`);
  recordSpread("floodEventLoopDelayP99", "  event-loop delay p99 meanwhile", pick(samples, ({ report }) => report.p99), "ms");
}

// ---------------------------------------------------------------------------------------------
// The peer: better-auth at its current release, installed apart (bench/peer), its change-password
// endpoint driven the same way, its own hash (scrypt) measured the same way.

function installPeer(): string {
  const manifest = "bench/peer/node_modules/better-auth/package.json";
  if (!existsSync(manifest)) {
    console.log("Installing the peer (bench/peer: better-auth) on first use...");
    execFileSync("npm", ["install", "--prefix", "bench/peer", "--no-audit", "--no-fund", "--legacy-peer-deps"], { stdio: "inherit" });
  }
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

async function benchPeer(ours: { changes: Record<number, Measured[]>; limits: number[] }) {
  const version = installPeer();
  const peer = await forkServer("bench/peer/server.ts", { DATABASE_PATH: join(work, "better-auth.db") });
  // One user per connection, each changing its password back and forth: better-auth keeps the
  // session through a change (revokeOtherSessions is off by default), so no seeding is needed.
  const users: { cookie: string; current: string }[] = [];
  for (let index = 0; index < Math.max(...connectionsList); index++) {
    const response = await fetch(`${peer.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { ...json, origin: peer.url },
      body: JSON.stringify({ email: `peer_${index}@example.com`, password: benchPassword, name: `peer ${index}` }),
    });
    const cookie = response.headers.getSetCookie().map((value) => value.split(";")[0]).join("; ");
    if (!response.ok || !cookie) throw new Error(`better-auth sign-up failed: ${response.status} ${await response.text()}`);
    users.push({ cookie, current: benchPassword });
  }
  const other = (password: string) => (password === benchPassword ? benchNewPassword : benchPassword);
  const options = (connections: number): Omit<LoadOptions, "url" | "seconds"> => ({
    connections,
    next: (client) => ({
      method: "POST",
      path: "/api/auth/change-password",
      headers: { ...json, cookie: users[client]!.cookie, origin: peer.url },
      body: JSON.stringify({ currentPassword: users[client]!.current, newPassword: other(users[client]!.current) }),
    }),
    onAnswer: (client, answer) => {
      if (answer.status === 200) users[client]!.current = other(users[client]!.current);
    },
  });

  const changes: Record<number, Measured[]> = { 1: [], 4: [], 16: [] };
  const limits: number[] = [];
  for (let index = 0; index < rounds; index++) {
    for (const connections of connectionsList) {
      if (connections === 16) limits.push(await hashLimitRound(scryptPair));
      const run = () => measured(peer, options(connections));
      changes[connections]!.push(connections === 16 ? await profiled(peer, `better-auth-c16-round-${index + 1}`, run) : await run());
    }
  }
  await stop(peer);

  section(`Peer: better-auth ${version}, scrypt N=16384, r=16, p=1`);
  recordSpread("peerHashLimitPairsPerSecond", `Hash limit: scrypt hash+verify pairs/s, ${hashesInFlight} at once, nothing else running`, spread(limits), "/s");
  for (const connections of connectionsList) {
    const samples = changes[connections]!;
    recordSpread(
      `peerChangesPerSecond_c${connections}`,
      `better-auth change password, concurrency ${connections}`,
      pick(samples, ({ load }) => load.perSecond),
      "/s",
      `(p99 ${round(median(samples.map(({ load }) => load.p99)))} ms, ${sumFailed(samples.map(({ load }) => load))} failed)`,
    );
    // Round by round: ours and theirs ran at different times, so the ratio of each round's pair.
    const ratios = ours.changes[connections]!.map(({ load }, index) => load.perSecond / samples[index]!.load.perSecond);
    recordSpread(`oursToPeerRatio_c${connections}`, `  ours / theirs at concurrency ${connections}`, spread(ratios), "×");
  }
  const c16 = changes[16]!;
  recordSpread("peerChangeToHashLimitRatio_c16", "  ratio to its own hash limit at concurrency 16", spread(c16.map(({ load }, index) => (load.perSecond / limits[index]!) * 100)), "%");
  recordCostPerChange("peerCostPerChange_c16", c16);
  recordSpread("peerEventLoopDelayP99", "  event-loop delay p99 meanwhile", pick(c16, ({ report }) => report.p99), "ms");
  recordSpread("peerResidentMemoryMiB_c16", "  resident memory (highest in each round)", pick(c16, ({ report }) => mib(report.maxRss)), "MiB");
}

// ---------------------------------------------------------------------------------------------
// Multi-core: the same GET with one and with two worker processes on one SQLite file.

async function benchWorkers() {
  section("Worker processes (server/main.ts)");
  for (const workers of [1, 2]) {
    const databasePath = join(work, `workers-${workers}.db`);
    const [token] = await seedOurs(databasePath, 1);
    const server = await startMain({ DATABASE_PATH: databasePath, WEB_CONCURRENCY: String(workers) });
    const samples: LoadRound[] = [];
    for (let index = 0; index < rounds; index++) samples.push(await authenticatedGets(server.url, `session=${token}`, 16, seconds));
    recordSpread(
      `getPerSecond_workers${workers}`,
      `Authenticated GET, WEB_CONCURRENCY=${workers}`,
      pick(samples, (load) => load.perSecond),
      "/s",
      `(p99 ${round(median(samples.map((load) => load.p99)))} ms)`,
    );
    await stop(server);
  }
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
  const before = loadavg();
  console.log(
    `Benchmark on ${cpus()[0]?.model ?? "unknown CPU"} (${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}; ` +
      `${rounds} rounds of ${seconds} s per figure; load average before: ${before.map(round).join(", ")}.\n`,
  );
  results.loadAverageBefore = before;
  const ours = await benchOurs();
  await benchFlood();
  if (!process.env.BENCH_QUICK) {
    await benchPeer(ours);
    await benchWorkers();
  }
  finish(before);
}

function finish(before: number[]) {
  const after = loadavg();
  results.loadAverageAfter = after;
  printTable();
  console.log(`\nMedian of ${rounds} rounds, (min–max) over them. Load average before: ${before.map(round).join(", ")}; after: ${after.map(round).join(", ")}.`);
  writeFileSync(
    "bench/results.json",
    `${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, rounds, seconds, results }, null, 2)}\n`,
  );
  console.log("Written to bench/results.json");
}

function printTable() {
  const widths = [Math.max(...rows.map((row) => row.metric.length)), Math.max(...rows.map((row) => row.value.length)), 12];
  const line = (cells: string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(" | ")} |`;
  console.log(line(["Measure", "Value: median (min–max)", "Target"]));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of rows) {
    const target = row.target ? `${row.target} ${row.met ? "met" : "MISSED"}` : "";
    console.log(row.value === "" ? line([`**${row.metric}**`, "", ""]) : line([row.metric, row.value, target]));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
