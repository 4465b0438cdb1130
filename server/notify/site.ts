/**
 * What a message may say about the site: where it is, for links, and whether a reply to it reaches
 * anyone. The origin is never taken from a request (whose Host header is the sender's to choose:
 * reset-link poisoning) but from PUBLIC_ORIGIN, or the address the server listens on (server/public-origin.ts).
 */
export type Site = {
  /** "https://example.com", no trailing slash. */
  origin: string;
  /** Whether MAIL_FROM is an address someone reads; messages offer replying only then. */
  acceptsReplies: boolean;
};

/** The pages a message links to (app/routes/forgot-password.tsx, app/routes/reset-password.$token.tsx). */
export function forgotPasswordUrl(site: Pick<Site, "origin">): string {
  return `${site.origin}/forgot-password`;
}

export function resetPasswordUrl(site: Pick<Site, "origin">, token: string): string {
  return `${site.origin}/reset-password/${token}`;
}

/**
 * False for the usual no-reply spellings (no-reply, noreply, no_reply, do-not-reply, donotreply),
 * in "Name <address>" or a bare address: a message must not ask people to reply into the void.
 */
export function acceptsReplies(mailFrom: string): boolean {
  const address = /<([^>]*)>/.exec(mailFrom)?.[1] ?? mailFrom;
  const local = address.trim().split("@")[0] ?? "";
  return !/^(no|do[-_.]?not)[-_.]?reply\b/i.test(local);
}

/** The line offering help by reply, or nothing when MAIL_FROM says nobody reads replies. */
export function replyLine(site: Site): string[] {
  return site.acceptsReplies ? ["If you need help, reply to this message."] : [];
}
