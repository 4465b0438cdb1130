/**
 * The app under test, in its own process (so the load generator does not share its event loop).
 * Started by bench/run.ts; reports its event-loop delay over IPC.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from "node:perf_hooks";
import { createApp } from "../server/app.js";

process.on("SIGINT", () => process.exit(0));
const app = await createApp({ host: "127.0.0.1", port: 0 });
const url = await app.listen();
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let utilization: EventLoopUtilization = performance.eventLoopUtilization();

process.on("message", (message: { type: string }) => {
  if (message.type === "reset") {
    delay.reset();
    utilization = performance.eventLoopUtilization();
  }
  if (message.type === "report") {
    // How busy the event loop itself was (0 to 1) since the reset: its share of the CPU.
    const busy = performance.eventLoopUtilization(utilization).utilization;
    process.send?.({ type: "report", p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, mean: delay.mean / 1e6, busy });
  }
});
process.send?.({ type: "ready", url });
