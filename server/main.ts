import { createApp } from "./app.js";
import { ConfigError } from "./config.js";

/** Start-up: everything comes from environment variables (see server/config.ts and the README). */
async function main() {
  const app = await createApp();
  const url = await app.listen();
  console.log(`Change-password demo listening on ${url} (database: ${app.config.databasePath})`);
  const stop = () => {
    app.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
