/**
 * `npm run passwd -- <username>`: sets a user's password from the server's command line, like the
 * seed's `piccolo user change_password`. The same change-password flow as every door, with an
 * administrator's authority instead of the current password: same policy, read-only mode,
 * session revocation, audit and notice. Reads the database and options from the same environment
 * variables as the server.
 */
import { changePassword, type PasswordChanged } from "../auth/change-password.js";
import { ConfigError, loadConfig } from "../config.js";
import { openConfiguredStore } from "../database.js";
import { createLogger } from "../logger.js";
import { createServices } from "../services.js";
import { readLines, readSecret } from "./read-secret.js";

async function main(): Promise<number> {
  const username = process.argv[2];
  if (!username || process.argv.length > 3) {
    console.error("usage: npm run passwd -- <username>   (the new password is asked for, or read from standard input)");
    return 2;
  }
  const config = loadConfig();
  // Logs go to standard error so that standard output is only the result.
  const logger = createLogger("warn", process.stderr);
  const store = await openConfiguredStore(config, logger);
  try {
    const services = await createServices(store, config, logger);

    let password: string;
    if (process.stdin.isTTY) {
      password = await readSecret(`New password for ${username}: `);
      if ((await readSecret("Repeat it: ")) !== password) {
        console.error("The two passwords do not match. Nothing was changed.");
        return 1;
      }
    } else {
      const [first = "", second] = await readLines();
      password = first;
      if (second !== undefined && second !== "" && second !== first) {
        console.error("The two passwords on standard input do not match. Nothing was changed.");
        return 1;
      }
    }
    if (password === "") {
      console.error("No password given. Nothing was changed.");
      return 1;
    }

    const result = await changePassword(services.auth, { authority: { by: "administrator", username }, newPassword: password });
    if (!result.ok) {
      console.error(`${result.message.replace(/\.?$/, ".")} Nothing was changed.`);
      return 1;
    }
    await result.noticeSent;
    await services.stopDeliveries();
    console.log(`Password changed for ${result.account.username}; ${sessionsText(result)}; ${result.account.email} notified.`);
    return 0;
  } finally {
    await store.close();
  }
}

function sessionsText(result: PasswordChanged): string {
  if (result.otherDevices === "kept") return "sessions kept (INVALIDATE_SESSIONS=false)";
  const n = result.otherSessionsEnded;
  return `${n} session${n === 1 ? "" : "s"} signed out`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
