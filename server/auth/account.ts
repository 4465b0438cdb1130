/** A user as every flow and door sees it: never the hash or the credential version. */
export type Account = { id: string; username: string; email: string };

/**
 * Who is on the other end of a request, as far as the server can tell: recorded in the audit
 * trail and named in notices. The command line has none.
 */
export type Requester = { ip: string; userAgent: string | null };
