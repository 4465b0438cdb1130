import type { Server, ServerResponse } from "node:http";

/**
 * Graceful shutdown of a node:http server: stop taking connections, let every request already on
 * its way finish, and only then let go, so that a deploy or a SIGTERM never cuts a password change
 * off halfway through its answer. Node's `server.close()` alone is not enough: it waits for every
 * keep-alive connection to time out, and `closeAllConnections()` (what we did before) kills the
 * requests in flight along with the idle ones.
 */
export type Drain = {
  /** True from the moment `close` is called: readiness answers 503 from then on. */
  readonly started: boolean;
  /**
   * Stops accepting connections, closes the idle ones at once, lets the busy ones finish their
   * request (each answer then says `Connection: close`, so the client does not send another on
   * it), and closes whatever is still open after `timeoutMs`. Resolves once every connection has
   * ended, saying whether some had to be cut at the timeout.
   */
  close(timeoutMs: number): Promise<{ timedOut: boolean }>;
};

export function createDrain(server: Server): Drain {
  let started = false;
  // Answers not yet sent, so those already under way when the drain starts can still be told to
  // close their connection. Added before our request handler runs, removed when the answer is done.
  const pending = new Set<ServerResponse>();
  server.prependListener("request", (_request, response: ServerResponse) => {
    if (started) return void response.setHeader("connection", "close");
    pending.add(response);
    response.once("close", () => pending.delete(response));
  });

  return {
    get started() {
      return started;
    },
    async close(timeoutMs) {
      started = true;
      for (const response of pending) if (!response.headersSent) response.setHeader("connection", "close");
      pending.clear();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      if (await settlesWithin(closed, timeoutMs)) return { timedOut: false };
      server.closeAllConnections();
      await closed;
      return { timedOut: true };
    },
  };
}

/** Whether `work` settles within `ms`; it is not stopped either way. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((done) => (timer = setTimeout(done, Math.max(0, ms), false)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
