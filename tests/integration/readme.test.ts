import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type FreshDatabase } from "../helpers/backend.js";
import { openTestStore } from "../helpers/database.js";
import { Device, signIn } from "../helpers/device.js";
import { pageErrorMessage } from "../helpers/doors.js";
import { startServerProcess, type ServerProcess } from "../helpers/server-process.js";
import { sqlOf } from "../helpers/sql.js";
import { tempDir } from "../helpers/temp.js";

/**
 * The README, top to bottom, on a fresh database: the quick tour (through the pages, as a person
 * would), then every shell example in the order printed, each checked against the `# =>` line
 * that follows it. The only change to what is printed: `http://localhost:3000` becomes this test
 * server's address, and a reset link's `<token>` the token in the e-mail, as the README says.
 *
 * Not run here, each covered elsewhere: `npm install && npm start` and `npm test` (CI runs both;
 * compiled-start.test.ts starts the compiled server), and the PostgreSQL walk-through, which needs
 * a server of its own started as a user other than root (multi-instance.test.ts and
 * copy-to-postgres.test.ts run the same steps on the harness's cluster).
 */

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

type Block = { heading: string; script: string; expectations: string[] };

/** Every ```sh block, with the section it is in and its `# =>` lines (a `#   ` line continues one). */
function shellBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let heading = "";
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.startsWith("#")) heading = line;
    if (line !== "```sh") continue;
    const body: string[] = [];
    for (index++; lines[index] !== "```"; index++) body.push(lines[index]!);
    const expectations: string[] = [];
    for (const text of body) {
      if (text.startsWith("# => ")) expectations.push(text.slice(5).trim());
    }
    blocks.push({ heading, script: body.join("\n"), expectations });
  }
  return blocks;
}

/** What is checked by other means (see above). */
function runHere(block: Block): boolean {
  if (/^(npm install && npm start|npm test)$/.test(block.script.trim())) return false;
  return !block.heading.includes("Running on PostgreSQL");
}

/** An expectation as a pattern: `...` stands for anything. */
function patternOf(expectation: string): RegExp {
  return new RegExp(expectation.split("...").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*?"));
}

/** The token of the newest reset link in the outbox: "the last part of the link in the e-mail". */
async function newestResetToken(): Promise<string> {
  const store = await openTestStore(database.options);
  try {
    const bodies = await sqlOf(store).values<string>("SELECT body FROM outbox ORDER BY id DESC");
    const token = bodies.map((body) => /\/reset-password\/([A-Za-z0-9_-]+)/.exec(body)?.[1]).find(Boolean);
    expect(token, "a reset link in the outbox").toBeTruthy();
    return token!;
  } finally {
    await store.close();
  }
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("bash", ["-eo", "pipefail", "-c", script], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

let database: FreshDatabase;
let server: ServerProcess;
const work = tempDir("cp-readme-");
beforeAll(async () => {
  database = await freshDatabase();
  server = await startServerProcess({ env: database.env });
});
afterAll(async () => {
  await server?.stop();
  await database?.remove();
  work.remove();
});

describe("the README, run top to bottom", () => {
  it("the quick tour, then every example in order, each answering what the README says", async () => {
    // The tour, through the pages: register, sign in, a wrong current password, the change.
    const tour = /register\*\*: username `(\w+)`, email `([^`]+)`, password `([^`]+)`[\s\S]*?change it for real, to `([^`]+)`/.exec(readme);
    expect(tour, "the quick tour names its account and passwords").not.toBeNull();
    const [, username, email, password, changed] = tour!;
    const person = new Device(server.url);
    const registered = await person.submitForm("/register", { username: username!, email: email!, password: password!, confirm_password: password! });
    expect(registered.status).toBe(303);
    expect((await signIn(person, { username: username!, password: password! })).status).toBe(303);
    const wrong = await person.submitForm("/private/change-password", {
      current_password: "not my password",
      new_password: changed!,
      confirm_new_password: changed!,
    });
    expect(pageErrorMessage(await wrong.text())).toContain("Incorrect password.");
    const change = await person.submitForm("/private/change-password", { current_password: password!, new_password: changed!, confirm_new_password: changed! });
    expect(change.status).toBe(303);

    const blocks = shellBlocks(readme).filter(runHere);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const env = { ...database.env, LOG_LEVEL: "silent", npm_config_loglevel: "silent" };
    for (const block of blocks) {
      // A block that uses a reset link's `<token>` first asks for the e-mail: run that part, then the rest.
      const lines = block.script.split("\n");
      const split = lines.findIndex((line) => line.includes("<token>") && !line.startsWith("#"));
      const parts = split > 0 ? [lines.slice(0, split).join("\n"), lines.slice(split).join("\n")] : [block.script];
      for (const part of parts) {
        let script = part.replaceAll("http://localhost:3000", server.url);
        const usesToken = script.split("\n").some((line) => !line.startsWith("#") && line.includes("<token>"));
        if (usesToken) script = script.replaceAll("<token>", await newestResetToken());
        // npm commands run in the project, the rest in a folder of their own (curl's cookie jar).
        const cwd = /^\s*(echo .*\| )?npm /m.test(script) ? repoRoot : work.path;
        const result = await bash(script, cwd, env);
        expect(result.code, `${block.heading}\n${part}\n${result.stderr}`).toBe(0);
        let rest = result.stdout;
        for (const expectation of shellBlocks(`\`\`\`sh\n${part}\n\`\`\``)[0]!.expectations) {
          const match = patternOf(expectation).exec(rest);
          expect(match, `${block.heading}: expected ${expectation}\nin: ${rest}`).not.toBeNull();
          rest = rest.slice(match!.index + match![0].length);
        }
      }
    }

    // Where the examples leave alice: only the password of the last step opens the account.
    const last = /"newPassword":"([^"]+)"\}' http:\/\/localhost:3000\/trpc\/auth\.resetPassword/.exec(readme)?.[1];
    expect(last).toBeTruthy();
    expect((await signIn(new Device(server.url), { username: username!, password: last! })).status).toBe(303);
    expect((await signIn(new Device(server.url), { username: username!, password: password! })).status).toBe(401);
  });
});
