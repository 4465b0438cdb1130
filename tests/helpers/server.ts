import { join } from "node:path";
import { afterEach } from "vitest";
import { createApp, type App, type AppOptions } from "../../server/app.js";
import { cheapHasher } from "./cheap-hasher.js";
import { tempDir } from "./temp.js";

export type TestServer = { url: string; app: App; databasePath: string; close: () => Promise<void> };

/**
 * The real app on a random loopback port with its own temporary SQLite file. The environment is
 * empty so that variables set on the machine cannot change what a test sees, and passwords are
 * hashed with cheap Argon2id parameters unless the test passes a hasher of its own. Every test
 * registers from the one loopback address, so the per-address registration limit is generous
 * unless the test sets its own.
 */
export async function startServer(options: AppOptions = {}): Promise<TestServer> {
  const dir = tempDir();
  const databasePath = join(dir.path, "app.db");
  const app = await createApp({
    databasePath,
    env: {},
    host: "127.0.0.1",
    port: 0,
    logLevel: "silent",
    passwordHasher: cheapHasher,
    rateLimitRegisterAttempts: 10_000,
    ...options,
  });
  const url = await app.listen();
  return {
    url,
    app,
    databasePath,
    async close() {
      await app.close();
      dir.remove();
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
