/**
 * The experiment behind HASH_CONCURRENCY's default (README, Performance): each setting is a server
 * of its own (its environment: HASH_CONCURRENCY, UV_THREADPOOL_SIZE...), all started at once and
 * measured in turn within each round, so a noisy minute on this machine hurts every setting alike.
 *
 *   npx tsx bench/scheduling.ts "HASH_CONCURRENCY=2" "HASH_CONCURRENCY=3" "HASH_CONCURRENCY=4 UV_THREADPOOL_SIZE=6"
 *
 * Per setting: changes/s at concurrency 16 and its ratio to the hash limit measured in the same
 * round, the event-loop delay p99 meanwhile, and an authenticated GET's p99 while 16 changes run.
 * With BENCH_CPU_PROFILE=<folder>, each setting's changes-alone runs are CPU-profiled
 * (setting-<n>.cpuprofile; read it with bench/profile-top.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { argon2idPair, pairsPerSecond } from "./limits.js";
import { authenticatedGets, closedLoop, type RequestSpec } from "./load.js";
import { forkServer, readReport, resetReport, startProfile, stop, stopProfile, type Server } from "./processes.js";
import { benchNewPassword, benchPassword, seedOurs } from "./seed.js";
import { round, showSpread, spread } from "./stats.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const settings = process.argv.slice(2);
const profileDir = process.env.BENCH_CPU_PROFILE;
if (settings.length === 0) throw new Error('Give settings, e.g. "HASH_CONCURRENCY=3" "HASH_CONCURRENCY=4 UV_THREADPOOL_SIZE=6"');
const work = mkdtempSync(join(tmpdir(), "cp-scheduling-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

const parse = (setting: string) => Object.fromEntries(setting.split(/\s+/).filter(Boolean).map((pair) => pair.split("=") as [string, string]));
const body = JSON.stringify({ currentPassword: benchPassword, newPassword: benchNewPassword });
const change = (token: string): RequestSpec => ({
  method: "POST",
  path: "/trpc/auth.changePassword",
  headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  body,
});

type Sample = {
  ratio: number;
  changes: number;
  loopP99: number;
  /** CPU per change, ms: the whole server process, its main thread alone, and this (the client) process. */
  cpuPerChange: number;
  mainPerChange: number;
  clientPerChange: number;
  getP99: number;
  changesWithGets: number;
};
type Report = { p99: number; busy: number; cpu: number; mainThreadCpu: number | null };

async function main() {
  console.log(`${availableParallelism()} cores, load average ${loadavg().map(round).join(" ")}; ${rounds} rounds × ${seconds} s\n`);
  const limitGuess = await pairsPerSecond(argon2idPair, 4, 2);
  const perServer = Math.ceil(limitGuess * 1.6 * (seconds + 1) * 2 * rounds) + 1;
  const servers: { setting: string; server: Server; tokens: string[]; reader: string; samples: Sample[] }[] = [];
  for (const [index, setting] of settings.entries()) {
    const databasePath = join(work, `setting-${index}.db`);
    const tokens = await seedOurs(databasePath, perServer);
    const reader = `session=${tokens.pop()}`;
    const server = await forkServer("bench/our-server.ts", { DATABASE_PATH: databasePath, ...parse(setting) });
    servers.push({ setting, server, tokens, reader, samples: [] });
  }

  for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
    const limitCpu = process.cpuUsage();
    const limit = await pairsPerSecond(argon2idPair, 4, seconds);
    const limitCores = (() => {
      const used = process.cpuUsage(limitCpu);
      return (used.user + used.system) / 1e6 / seconds;
    })();
    // A different order each round: no setting always runs first, or right after the limit.
    const order = servers.map((_, index) => servers[(index + roundIndex) % servers.length]!);
    for (const entry of order) {
      const { server, tokens } = entry;
      let clientCpu = process.cpuUsage();
      let clientCores = 0;
      const run = (report: { promise?: Promise<Report> }) =>
        closedLoop({
          url: server.url,
          connections: 16,
          seconds,
          next: () => {
            const token = tokens.pop();
            return token ? change(token) : null;
          },
          onWindowOpen: () => {
            resetReport(server);
            clientCpu = process.cpuUsage();
          },
          onWindowClose: () => {
            report.promise = readReport(server);
            const used = process.cpuUsage(clientCpu);
            clientCores = (used.user + used.system) / 1e6 / seconds;
          },
        });
      const alone: { promise?: Promise<Report> } = {};
      if (profileDir) startProfile(server);
      const changes = await run(alone);
      const loop = await alone.promise!;
      if (profileDir) await stopProfile(server, join(profileDir, `setting-${servers.indexOf(entry)}-round-${roundIndex + 1}.cpuprofile`));
      const aloneClientCores = clientCores;
      const withGets: { promise?: Promise<Report> } = {};
      const [changesWithGets, gets] = await Promise.all([
        run(withGets),
        new Promise((resolve) => setTimeout(resolve, 500)).then(() => authenticatedGets(server.url, entry.reader, 4, seconds)),
      ]);
      entry.samples.push({
        ratio: changes.perSecond / limit,
        changes: changes.perSecond,
        loopP99: loop.p99,
        cpuPerChange: (loop.cpu * 1000) / changes.perSecond,
        mainPerChange: ((loop.mainThreadCpu ?? Number.NaN) * 1000) / changes.perSecond,
        clientPerChange: (aloneClientCores * 1000) / changes.perSecond,
        getP99: gets.p99,
        changesWithGets: changesWithGets.perSecond,
      });
      console.log(
        `round ${roundIndex + 1} ${entry.setting.padEnd(40)} limit ${round(limit)}/s (${round(limitCores)} cores), ` +
          `${round(changes.perSecond)} changes/s (${round((changes.perSecond / limit) * 100)} %, server ${round(loop.cpu)} cores, main ${round(loop.mainThreadCpu ?? Number.NaN)}), ` +
          `loop p99 ${round(loop.p99)} ms, GET p99 ${gets.p99} ms`,
      );
    }
  }
  for (const entry of servers) await stop(entry.server);

  console.log(`\nload average after: ${loadavg().map(round).join(" ")}\n`);
  console.log(
    "| Setting | changes/s at c16 | ratio to the hash limit | loop p99 (ms) | CPU ms/change: server (main thread) client | GET p99 during (ms) | changes/s with GETs |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const { setting, samples } of servers) {
    const column = (pick: (sample: Sample) => number, scale = 1) => showSpread(spread(samples.map((sample) => pick(sample) * scale)));
    console.log(
      `| ${setting} | ${column((s) => s.changes)} | ${column((s) => s.ratio, 100)} % | ${column((s) => s.loopP99)} | ` +
        `${round(spread(samples.map((s) => s.cpuPerChange)).median)} (${round(spread(samples.map((s) => s.mainPerChange)).median)}) ${round(spread(samples.map((s) => s.clientPerChange)).median)} | ` +
        `${column((s) => s.getP99)} | ${column((s) => s.changesWithGets)} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
