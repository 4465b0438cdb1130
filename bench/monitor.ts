import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from "node:perf_hooks";

/** What a server process under test reports about itself since the last reset. */
export type ProcessReport = {
  /** Event-loop delay, milliseconds. */
  p99: number;
  max: number;
  mean: number;
  /** Share of the time the event loop was busy (0 to 1): its part of one core. */
  busy: number;
  /** Highest resident set size seen, bytes (sampled every 250 ms). */
  maxRss: number;
  /** CPU time of the whole process (every thread, hashing included), in cores: 1 = one core's worth. */
  cpu: number;
  /** CPU time of the main thread alone, in cores (Linux; null elsewhere). */
  mainThreadCpu: number | null;
};

/** The main thread's own CPU time in ms, from /proc (its thread id is the process id). */
function mainThreadCpuMs(): number | null {
  try {
    // utime and stime are fields 14 and 15, in ticks of 10 ms; the command name (field 2) may hold
    // spaces and parentheses, so count from the last ")".
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * The server side of the benchmark's IPC: on "reset" it starts counting afresh, on "report" it
 * answers with a ProcessReport. Ours and the peer's servers report the same way, so their
 * figures compare. "profile-start" and "profile-stop" (with a file name) record a V8 CPU profile
 * of just the load in between, without start-up and module loading.
 */
export function reportOverIpc() {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let utilization: EventLoopUtilization = performance.eventLoopUtilization();
  let since = { at: performance.now(), cpu: process.cpuUsage(), main: mainThreadCpuMs() };
  let maxRss = process.memoryUsage.rss();
  setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
  }, 250).unref();

  let profiler: Session | undefined;
  process.on("message", async (message: { type: string; file?: string }) => {
    if (message.type === "profile-start") {
      profiler = new Session();
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
    }
    if (message.type === "profile-stop" && profiler) {
      const { profile } = await profiler.post("Profiler.stop");
      writeFileSync(message.file!, JSON.stringify(profile));
      profiler.disconnect();
      profiler = undefined;
      process.send?.({ type: "profile-written", file: message.file });
    }
    if (message.type === "reset") {
      delay.reset();
      utilization = performance.eventLoopUtilization();
      since = { at: performance.now(), cpu: process.cpuUsage(), main: mainThreadCpuMs() };
      maxRss = process.memoryUsage.rss();
    }
    if (message.type === "report") {
      const elapsed = performance.now() - since.at;
      const cpu = process.cpuUsage(since.cpu);
      const main = mainThreadCpuMs();
      const report: ProcessReport = {
        p99: delay.percentile(99) / 1e6,
        max: delay.max / 1e6,
        mean: delay.mean / 1e6,
        busy: performance.eventLoopUtilization(utilization).utilization,
        maxRss: Math.max(maxRss, process.memoryUsage.rss()),
        cpu: (cpu.user + cpu.system) / 1000 / elapsed,
        mainThreadCpu: main !== null && since.main !== null ? (main - since.main) / elapsed : null,
      };
      process.send?.({ type: "report", ...report });
    }
  });
}
