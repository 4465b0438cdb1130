import type { Config } from "./config.js";

/**
 * The origin that links in e-mails point to (a password-reset link, the notices' advice). Never the
 * request's Host header: anybody can send any Host, and a reset link built from it would carry the
 * token to the sender's own site (reset-link poisoning). PUBLIC_ORIGIN when it is set, as it must
 * be in production; otherwise, for the local demo, the address the server listens on
 * (http://localhost:3000), known once it listens.
 */
export function createPublicOrigin(config: Pick<Config, "publicOrigin" | "host" | "port">) {
  let listening: string | null = null;
  const configured = `http://${hostInUrl(config.host)}:${config.port}`;
  return {
    get(): string {
      return config.publicOrigin ?? listening ?? configured;
    },
    /** The base URL `app.listen()` resolved to (port 0 becomes the real port). */
    listeningAt(url: string): void {
      listening = new URL(url).origin;
    },
    /** Whether links come from PUBLIC_ORIGIN (false: the listen address, fine only on this machine). */
    configured: config.publicOrigin !== undefined,
  };
}

export type PublicOrigin = ReturnType<typeof createPublicOrigin>;

/** Every interface (unset, 0.0.0.0, ::) is reached as localhost; an IPv6 address goes in brackets. */
function hostInUrl(host: string | undefined): string {
  if (host === undefined || host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}
