import { afterEach } from "vitest";
import { createApp, type App, type AppOptions } from "../../server/app.js";
import { freshDatabase } from "./backend.js";
import { cheapHasher } from "./cheap-hasher.js";

export type TestServer = {
  url: string;
  app: App;
  /** Where its data lives: `databaseUrl` is set on the PostgreSQL run. */
  database: { databasePath: string; databaseUrl?: string };
  close: () => Promise<void>;
};

/**
 * The real app on a random loopback port with its own empty database (a SQLite file, or a
 * PostgreSQL database on the postgres run). The environment is empty so that variables set on the
 * machine cannot change what a test sees, and passwords are hashed with cheap Argon2id parameters
 * unless the test passes a hasher of its own. Every test registers from the one loopback address,
 * so the per-address registration limit is generous unless the test sets its own.
 */
export async function startServer(options: AppOptions = {}): Promise<TestServer> {
  // A test that passes its own database (two servers on one) owns it; otherwise a fresh one.
  const owned = options.databasePath === undefined && options.databaseUrl === undefined ? await freshDatabase() : null;
  const app = await createApp({
    env: {},
    host: "127.0.0.1",
    port: 0,
    logLevel: "silent",
    passwordHasher: cheapHasher,
    rateLimitRegisterAttempts: 10_000,
    ...owned?.options,
    ...options,
  });
  const database = { databasePath: app.config.databasePath, databaseUrl: app.config.databaseUrl };
  const url = await app.listen();
  return {
    url,
    app,
    database,
    async close() {
      await app.close();
      await owned?.remove();
    },
  };
}

/**
 * `startServer` for tests that each want their own options: every server a test starts is closed
 * after it, last started first (a server sharing another's database closes before the file goes).
 */
export function serversForEachTest(defaults: AppOptions = {}) {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0).reverse()) await server.close();
  });
  return async function serverWith(options: AppOptions = {}): Promise<TestServer> {
    const server = await startServer({ ...defaults, ...options });
    servers.push(server);
    return server;
  };
}
