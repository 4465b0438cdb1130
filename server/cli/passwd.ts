/**
 * `npm run passwd -- <username>`: sets a user's password from the server's command line, like the
 * seed's `piccolo user change_password`. Same policy, same session revocation, same notification.
 * Reads the database and options from the same environment variables as the server.
 */
import { openDatabase } from "../../db/database.js";
import { resetPassword } from "../auth/reset-password.js";
import { ConfigError, loadConfig } from "../config.js";
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
  const db = openDatabase(config.databasePath);
  try {
    // Logs go to standard error so that standard output is only the result.
    const services = await createServices(db, config, createLogger("warn", process.stderr));

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

    const result = await resetPassword(
      { users: services.users, passwords: services.passwords, settings: config },
      { username, newPassword: password },
    );
    if (!result.ok) {
      console.error(`${result.message} Nothing was changed.`);
      return 1;
    }
    const client = { ip: "command line", userAgent: "npm run passwd" };
    await services.events.record({ type: "password_change_succeeded", reason: "command_line", userId: result.user.id, client });
    const { delivered } = await services.notifier.passwordChanged({ user: result.user, at: result.changedAt, client: null });
    await delivered;
    const sessions = config.invalidateSessions
      ? `${result.revokedSessions} session${result.revokedSessions === 1 ? "" : "s"} signed out`
      : "sessions kept (INVALIDATE_SESSIONS=false)";
    console.log(`Password changed for ${result.user.username}; ${sessions}; ${result.user.email} notified.`);
    return 0;
  } finally {
    db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
