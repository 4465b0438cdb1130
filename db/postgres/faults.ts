/**
 * Errors that mean "the database cannot serve now" rather than "this request is wrong": the doors
 * answer them with 503 and Retry-After, and the next request tries again on a fresh connection.
 */

/** Node's socket errors while connecting or talking to the server. */
const socketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * SQLSTATEs: class 08 (connection exception), 53 (insufficient resources, e.g. too many
 * connections), 57P01-57P05 (server shutting down or restarting), 57014 (statement timeout),
 * 55P03 (lock not available), 40001 and 40P01 (serialization failure, deadlock: worth a retry).
 */
function isTransientState(code: string): boolean {
  return code.startsWith("08") || code.startsWith("53") || /^57P0[1-5]$/.test(code) || ["57014", "55P03", "40001", "40P01"].includes(code);
}

/** node-postgres's own errors carry no code, only these messages. */
const driverMessages = [
  "timeout exceeded when trying to connect",
  "Connection terminated",
  "Query read timeout",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
  "Cannot use a pool after calling end on the pool",
];

export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (socketCodes.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isTransientState(code)))) return true;
  return driverMessages.some((message) => error.message.startsWith(message));
}
