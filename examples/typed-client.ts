/**
 * The typed client in use: sign in, try a wrong current password (typed error), then change it.
 *
 *   npm run example -- <base-url> <username> <current-password> <new-password>
 *   npm run example -- http://localhost:3000 alice 'correct horse 1' 'battery staple 2'
 */
import { createClient, isAppError } from "../server/trpc/client.js";

const [baseUrl = "http://localhost:3000", username, currentPassword, newPassword] = process.argv.slice(2);
if (!username || !currentPassword || !newPassword) {
  console.error("usage: npm run example -- <base-url> <username> <current-password> <new-password>");
  process.exit(2);
}

const url = `${baseUrl.replace(/\/$/, "")}/trpc`;

try {
  // From Node (no Origin or Sec-Fetch-* headers) the token comes back in the body; browsers get only the cookie.
  const { token, user } = await createClient({ url }).auth.login.mutate({ username, password: currentPassword });
  if (!token) throw new Error("no bearer token in the answer");
  console.log(`Signed in as ${user.username} (bearer token received).`);
  const client = createClient({ url, token });

  try {
    await client.auth.changePassword.mutate({ currentPassword: `${currentPassword}-wrong`, newPassword });
  } catch (error) {
    if (!isAppError(error)) throw error;
    // Typed: error.data.reason, error.data.field and error.data.fieldErrors come from the server's formatter.
    console.log(`Wrong current password refused as expected: ${error.data?.code} (${error.data?.httpStatus}) "${error.message}", reason ${error.data?.reason}, field ${error.data?.field}`);
  }

  const result = await client.auth.changePassword.mutate({ currentPassword, newPassword, confirmNewPassword: newPassword });
  console.log(`Password changed. Signed out: ${result.signedOut}; sessions ended: ${result.revokedSessions}; sign in again at ${result.redirectTo}.`);
  console.log(`The old token now reads as: ${JSON.stringify(await client.auth.me.query())}`);
} catch (error) {
  console.error(isAppError(error) ? `Refused: ${error.message}` : error);
  process.exitCode = 1;
}
