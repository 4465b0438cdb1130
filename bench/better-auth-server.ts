/**
 * The peer: better-auth with its default settings (rate limit off), on better-sqlite3, in its own
 * process like ours. Only for the benchmark; nothing of it ships.
 */
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db";
import { toNodeHandler } from "better-auth/node";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

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
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
server.on("request", toNodeHandler(auth));
process.send?.({ type: "ready", url });
