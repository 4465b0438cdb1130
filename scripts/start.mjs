// `npm start` and `npm run passwd`: run the compiled server (or another compiled entry), building
// first only when the build is missing or older than the sources. Plain JavaScript on purpose:
// production needs neither tsx nor a TypeScript compile at every start and in every worker.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const sources = ["app", "server", "db", "scripts/precompress-assets.mjs", "scripts/copy-migrations.mjs", "remix.config.js", "package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json"];
const outputs = ["build/index.js", "build/server/server/main.js", "public/build"];

/** The newest modification time under a file or folder. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

function oldestOutput() {
  const times = outputs.map((path) => (existsSync(path) ? statSync(path).mtimeMs : 0));
  return Math.min(...times);
}

if (oldestOutput() === 0 || Math.max(...sources.map(newest)) > oldestOutput()) {
  console.error("Building (the build is missing or older than the sources)…");
  const built = spawnSync("npm", ["run", "build"], { stdio: ["ignore", "inherit", "inherit"] });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// `node scripts/start.mjs [entry] [args...]`: the entry's own arguments follow it, as if run directly.
const entry = process.argv[2] && !process.argv[2].startsWith("-") && process.argv[2].endsWith(".js") ? process.argv.splice(2, 1)[0] : "server/main.js";
process.env.NODE_ENV ??= "production";
await import(pathToFileURL(join("build/server", entry)).href);
