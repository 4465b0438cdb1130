/**
 * `npm run bench`: the production build on loopback ports, fresh databases with seeded users,
 * load from a closed-loop driver (bench/load.ts) and autocannon, and one table of figures (also
 * written to bench/results.json). Every figure is the median of several short rounds, shown with
 * its range over them: this machine's speed swings, and the range says by how much it did.
 *
 * BENCH_ROUNDS (5) rounds of BENCH_SECONDS (3) each, after a 0.5 s warm-up; BENCH_QUICK=1 stops
 * after our own figures; BENCH_NO_PEER=1 leaves out the peer (which npm installs on first use);
 * BENCH_CPU_PROFILE=<folder> writes a CPU profile of each server's concurrency-16 rounds (read it
 * with bench/profile-top.ts).
 *
 * Our servers run on SQLite by default; with DATABASE_URL=postgres://… on that PostgreSQL server,
 * or with BENCH_POSTGRES=1 on a throwaway cluster started for the run (bench/databases.ts), each
 * on a database of its own. On PostgreSQL the table adds what a change and an authenticated GET
 * cost in statements and round trips (bench/statements.ts) and one instance against two; the
 * figures go to bench/results-postgres.json. The peer stays on SQLite.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { argon2idPair, pairsPerSecond, scryptPair, type HashPair } from "./limits.js";
import { openBackend, type Backend } from "./databases.js";
import { authenticatedGets, closedLoop, countStatuses, type LoadOptions, type LoadRound, type RequestSpec } from "./load.js";
import type { ProcessReport } from "./monitor.js";
import { forkServer, readReport, resetReport, startMain, startProfile, stop, stopProfile, type Server } from "./processes.js";
import { benchNewPassword, benchPassword } from "./seed.js";
import { openStatementCounter, type StatementCounts } from "./statements.js";
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

/**
 * Every change signs its session out (the default), so each needs a seeded user and session of its
 * own: enough for 1.6 × the hash limit over a change run, with its warm-up and its tail.
 */
const tokensPerRun = (limitGuess: number, connections: number) => Math.ceil(Math.max(connections * 4, limitGuess * 1.6 * (seconds + 1.5)));
const changeBody = JSON.stringify({ currentPassword: benchPassword, newPassword: benchNewPassword });
const changeRequest = (token: string): RequestSpec => ({
  method: "POST",
  path: "/trpc/auth.changePassword",
  headers: { ...json, authorization: `Bearer ${token}` },
  body: changeBody,
});

/** Change requests, one per seeded session; `ranOut` says whether a run asked for more than there were. */
function changesFrom(tokens: string[]) {
  const source = {
    ranOut: false,
    next(): RequestSpec | null {
      const token = tokens.pop();
      if (!token) return (source.ranOut = true), null;
      return changeRequest(token);
    },
  };
  return source;
}

// ---------------------------------------------------------------------------------------------
// Ours: change password at three concurrencies, the hash limit measured in each round right before
// the concurrency-16 run (the ratio compares like with like), then the page under that load.

async function benchOurs(backend: Backend) {
  const limitGuess = await pairsPerSecond(argon2idPair, hashesInFlight, 1.5);
  const runs = [...connectionsList, 16];
  const total = rounds * runs.reduce((sum, connections) => sum + tokensPerRun(limitGuess, connections), 0) + 1;
  const database = await backend.fresh("ours");
  const tokens = await database.seed(total);
  const reader = `session=${tokens.pop()}`;
  const ours = await forkServer("bench/our-server.ts", database.env);
  const changeRequests = changesFrom(tokens);
  const change = () => changeRequests.next();

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
  if (changeRequests.ranOut) throw new Error("The seeded users ran out during a change run: its figures would be too low. Seed more (bench/run.ts, tokensPerRun).");

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
  await database.drop();
  return { changes, limits };
}

// ---------------------------------------------------------------------------------------------
// Hash floods: 32 connections register fresh accounts from random addresses (each passes the
// per-address limit and costs a hash), while one real user signs in over and over from their own.

async function benchFlood(backend: Backend) {
  const database = await backend.fresh("flood");
  await database.seed(1);
  const server = await forkServer("bench/our-server.ts", { ...database.env, TRUST_PROXY: "true" });
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
  await database.drop();

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
// Multi-core: the same GET with one and with two worker processes on one database.

async function benchWorkers(backend: Backend) {
  section("Worker processes (server/main.ts)");
  for (const workers of [1, 2]) {
    const database = await backend.fresh(`workers_${workers}`);
    const [token] = await database.seed(1);
    const server = await startMain({ ...database.env, WEB_CONCURRENCY: String(workers) });
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
    await database.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: what one change and one authenticated GET cost the database, counted by the server
// (pg_stat_statements), one request at a time so nothing else is counted with them.

/** Requests counted per kind: enough that an odd statement (a timer's) shows as a fraction. */
const countedRequests = 20;
/** Work a request starts after answering (none today) gets this long to reach the database. */
const settleMs = 500;
let statementBreakdown: { change: StatementCounts; get: StatementCounts } | undefined;

async function benchStatements(backend: Backend) {
  const notCounted = (why: string) => {
    section("Database work per request");
    results.statements = why;
    rows.push({ metric: "SQL statements and round trips per change and per authenticated GET", value: why });
  };
  if (!backend.maintenance) return notCounted("n/a (SQLite runs in-process: no round trips)");
  const counter = await openStatementCounter(backend.maintenance);
  if ("unavailable" in counter) return notCounted(`n/a (${counter.unavailable})`);
  section(`Database work per request: mean of ${countedRequests}, one at a time, counted by PostgreSQL (pg_stat_statements)`);

  const database = await backend.fresh("statements");
  const tokens = await database.seed(countedRequests + 2);
  const cookie = `session=${tokens.pop()}`;
  const server = await forkServer("bench/our-server.ts", database.env);
  const expect = async (response: Response, what: string) => {
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${what} answered ${response.status}: ${text.slice(0, 200)}`);
  };
  const get = async () => expect(await fetch(`${server.url}/private/change-password`, { headers: { cookie } }), "GET /private/change-password");
  const change = async () => {
    const { method, path, headers, body } = changeRequest(tokens.pop()!);
    await expect(await fetch(`${server.url}${path}`, { method, headers, body }), "auth.changePassword");
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, settleMs));
  const counted = (request: () => Promise<void>) => async () => {
    for (let index = 0; index < countedRequests; index++) await request();
    await settle();
  };
  // One of each first, not counted: what a server does once (its secret read, its first connections).
  await get();
  await change();
  await settle();
  const gets = await counter.during(database.name, countedRequests, counted(get));
  const changes = await counter.during(database.name, countedRequests, counted(change));
  await stop(server);
  await database.drop();

  statementBreakdown = { change: changes, get: gets };
  // Which table a statement works on is the database's knowledge too: the rate limiter's share is worth seeing.
  const onRateLimit = (counts: StatementCounts) => counts.byQuery.filter(({ query }) => /"?rate_limit"?/.test(query)).reduce((sum, { calls }) => sum + calls, 0);
  const show = (counts: StatementCounts) =>
    `${round(counts.statements)} / ${round(counts.roundTrips)} (${round(counts.transactions)} BEGIN…COMMIT; ${round(onRateLimit(counts))} statements on rate_limit)`;
  rows.push({ metric: "Per change (tRPC auth.changePassword): statements / round trips", value: show(changes) });
  rows.push({ metric: "Per authenticated GET /private/change-password: statements / round trips", value: show(gets) });
  results.statementsPerChange = changes;
  results.statementsPerGet = gets;
}

/** The statements counted, after the table: what each request runs. */
function printStatementBreakdown() {
  if (!statementBreakdown) return;
  const list = (title: string, counts: StatementCounts) => {
    console.log(`
${title} (calls per request, from pg_stat_statements):`);
    for (const { query, calls } of counts.byQuery) console.log(`  ${String(round(calls)).padStart(5)} × ${query.length > 150 ? `${query.slice(0, 147)}...` : query}`);
  };
  list("One password change", statementBreakdown.change);
  list("One authenticated GET", statementBreakdown.get);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: one instance against two (processes of their own, on two ports, each with its own
// pool), on one database. Both stay up; each round loads one, then both, or both, then one.

async function benchInstances(backend: Backend) {
  const limitGuess = await pairsPerSecond(argon2idPair, hashesInFlight, 1.5);
  const database = await backend.fresh("instances");
  const tokens = await database.seed(rounds * 2 * tokensPerRun(limitGuess, 16) + 1);
  const reader = `session=${tokens.pop()}`;
  const servers = [await forkServer("bench/our-server.ts", database.env), await forkServer("bench/our-server.ts", database.env)];
  const changeRequests = changesFrom(tokens);
  const samples: Record<number, { gets: LoadRound; changes: LoadRound }[]> = { 1: [], 2: [] };
  for (let index = 0; index < rounds; index++) {
    // Neither always runs first: the machine's swings fall on both.
    for (const instances of index % 2 === 0 ? [1, 2] : [2, 1]) {
      const urls = servers.slice(0, instances).map((server) => server.url);
      const gets = await authenticatedGets(urls, reader, 16, seconds);
      const changes = await closedLoop({ url: urls, connections: 16, seconds, next: () => changeRequests.next() });
      samples[instances]!.push({ gets, changes });
    }
  }
  for (const server of servers) await stop(server);
  await database.drop();
  if (changeRequests.ranOut) throw new Error("The seeded users ran out during an instances run: seed more (bench/run.ts, tokensPerRun).");

  section("One vs two instances on one PostgreSQL database (bench/our-server.ts each)");
  const connections = (instances: number) => (instances === 1 ? "one instance, 16 connections" : "two instances, 8 + 8 connections");
  const p99 = (loads: LoadRound[]) => round(median(loads.map((load) => load.p99)));
  for (const [kind, metric, pickLoad] of [
    ["gets", "Authenticated GET", (sample: { gets: LoadRound }) => sample.gets],
    ["changes", "Change password", (sample: { changes: LoadRound }) => sample.changes],
  ] as const) {
    for (const instances of [1, 2]) {
      const loads = samples[instances]!.map(pickLoad);
      recordSpread(`${kind}PerSecond_instances${instances}`, `${metric}, ${connections(instances)}`, pick(loads, (load) => load.perSecond), "/s", `(p99 ${p99(loads)} ms, ${sumFailed(loads)} failed)`);
    }
    // Round by round: both ran within the same round.
    const ratios = samples[2]!.map((sample, index) => pickLoad(sample).perSecond / pickLoad(samples[1]![index]!).perSecond);
    recordSpread(`${kind}TwoToOneInstances`, "  two instances / one", spread(ratios), "×");
  }
}

/** Said under the table when the instance rows ran: what two cores allow. */
function printInstancesNote() {
  const cpuPerChange = (results.costPerChange_c16 as { processCpu?: Spread } | undefined)?.processCpu?.median;
  console.log(
    `\nTwo instances on this machine share its ${availableParallelism()} cores with each other, with PostgreSQL and with the load generator.\n` +
      `A change is CPU-bound (two Argon2id hashes, ${cpuPerChange ? `${round(cpuPerChange)} ms` : "tens of ms"} of CPU per change above), so a second instance\n` +
      "cannot add changes per second here, and a GET gains only what the other processes leave of the second core.\n" +
      "These rows show that two instances on one database answer correctly (the failed counts), not how instances\n" +
      "scale: that needs machines of their own.",
  );
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
  const backend = await openBackend(work);
  console.log(`Our servers' database: ${backend.description}; the peer's: SQLite.\n`);
  try {
    const ours = await benchOurs(backend);
    await benchStatements(backend);
    await benchFlood(backend);
    if (!process.env.BENCH_QUICK) {
      if (!process.env.BENCH_NO_PEER) await benchPeer(ours);
      await benchWorkers(backend);
      if (backend.dialect === "postgres") await benchInstances(backend);
    }
  } finally {
    await backend.close();
  }
  finish(before, backend);
}

function finish(before: number[], backend: Backend) {
  const after = loadavg();
  results.loadAverageAfter = after;
  results.database = backend.description;
  printTable(`Measure (ours on ${backend.brief}, the peer on SQLite)`);
  console.log(`\nMedian of ${rounds} rounds, (min–max) over them. Load average before: ${before.map(round).join(", ")}; after: ${after.map(round).join(", ")}.`);
  console.log(`Our servers' database: ${backend.description}.`);
  if (results.getsPerSecond_instances1 !== undefined) printInstancesNote();
  printStatementBreakdown();
  const file = backend.dialect === "postgres" ? "bench/results-postgres.json" : "bench/results.json";
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, rounds, seconds, results }, null, 2)}\n`,
  );
  console.log(`\nWritten to ${file}`);
}

function printTable(measureHeader: string) {
  // A section's title is printed in bold: four more characters.
  const metricWidth = (row: Row) => row.metric.length + (row.value === "" ? 4 : 0);
  const widths = [Math.max(measureHeader.length, ...rows.map(metricWidth)), Math.max(...rows.map((row) => row.value.length)), 12];
  const line = (cells: string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(" | ")} |`;
  console.log(line([measureHeader, "Value: median (min–max)", "Target"]));
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
