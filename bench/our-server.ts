/**
 * The app under test, in its own process (so the load generator does not share its event loop).
 * Started by bench/run.ts; reports its event-loop delay, busy share and memory over IPC.
 */
import { createApp } from "../server/app.js";
import { reportOverIpc } from "./monitor.js";

process.on("SIGINT", () => process.exit(0));
const app = await createApp({ host: "127.0.0.1", port: 0 });
const url = await app.listen();
reportOverIpc();
process.send?.({ type: "ready", url });
