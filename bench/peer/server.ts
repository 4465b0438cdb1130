/**
 * The peer: better-auth at its current release (bench/peer/package.json) with its default
 * settings (rate limit off), on better-sqlite3, in its own process like ours. Only for the
 * benchmark; nothing of it ships. It lives in this folder so that `better-auth` resolves from
 * bench/peer/node_modules, while better-sqlite3 resolves from the app's own node_modules.
 */
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { reportOverIpc } from "../monitor.js";

process.on("SIGINT", () => process.exit(0));
const databasePath = process.env.DATABASE_PATH!;
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const auth = betterAuth({
  database: new Database(databasePath),
  baseURL: url,
  secret: "benchmark-secret-benchmark-secret-0123456789",
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
server.on("request", toNodeHandler(auth));
reportOverIpc();
process.send?.({ type: "ready", url });
