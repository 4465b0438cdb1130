/**
 * The top of a V8 CPU profile (from BENCH_CPU_PROFILE=<folder>, see bench/processes.ts): where
 * the main thread's time went, by function and by package, as shares of the whole recording.
 *
 *   npx tsx bench/profile-top.ts /tmp/prof/CPU.*.cpuprofile [count]
 *
 * Only the main thread is sampled: hashing on libuv's pool shows up as "(idle)".
 */
import { readFileSync } from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const [file, countText = "20"] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-top.ts <file.cpuprofile> [count]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map<number, number>();
profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
const total = [...self.values()].reduce((sum, value) => sum + value, 0);

/** node_modules/<package>, our own folder, or Node's internals. */
function owner(url: string): string {
  if (!url) return "(native or V8)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith("node:")) return "node internals";
  const ours = /\/(server|db|bench|build|app)\//.exec(url);
  return ours ? `ours: ${ours[1]}/` : url;
}

const byFunction = new Map<string, number>();
const byOwner = new Map<string, number>();
for (const [id, time] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const file = url.split("/").slice(-2).join("/");
  const name = url ? `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}` : functionName;
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  // Native frames (a SQLite call, writev) count toward the nearest caller with a package.
  let cursor: number | undefined = id;
  let who = owner(url);
  while (who === "(native or V8)" && cursor !== undefined && !["(idle)", "(program)", "(garbage collector)"].includes(name)) {
    cursor = parent.get(cursor);
    if (cursor === undefined) break;
    who = owner(byId.get(cursor)!.callFrame.url);
  }
  if (["(idle)", "(program)", "(garbage collector)"].includes(name)) who = name;
  byOwner.set(who, (byOwner.get(who) ?? 0) + time);
}

// Inclusive: every function on a sample's stack gets the sample once (recursion counted once).
const inclusive = new Map<string, number>();
for (const [id, time] of self) {
  const seen = new Set<string>();
  for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
    const { functionName, url, lineNumber } = byId.get(cursor)!.callFrame;
    if (!url || ["(idle)", "(program)", "(garbage collector)", "(root)"].includes(functionName)) continue;
    const name = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + time);
  }
}

const show = (title: string, map: Map<string, number>, count: number) => {
  console.log(`\n${title}`);
  for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${((time / total) * 100).toFixed(1).padStart(5)} %  ${(time / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  }
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
show("Self time by package (native calls count toward their caller's package)", byOwner, 15);
show("Self time by function", byFunction, Number(countText));
show("Total time by function (itself and what it calls)", inclusive, Number(countText));
