import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { holdRequest, openConnection, parseResponses, refusedSoon } from "../helpers/held-request.js";
import { startServerProcess, stopAllServerProcesses, type ServerProcess } from "../helpers/server-process.js";
import { freshDatabase, type FreshDatabase } from "../helpers/backend.js";

/**
 * SIGTERM to the real server process (a deploy, `docker stop`, Kubernetes), with production
 * hashing. No timing is guessed: a request is known to be inside the server because Node answered
 * its `Expect: 100-continue`, and the signal is known to have landed because new connections are
 * refused; only then does the test send the rest of the request.
 */

afterAll(async () => {
  await stopAllServerProcesses();
  for (const made of databases) await made.remove();
});

/** Generous bounds for a busy two-core machine: they end a hung test, they do not measure speed. */
const slowMachine = {
  SHUTDOWN_TIMEOUT_SECONDS: "120",
  REQUEST_TIMEOUT_SECONDS: "120",
  HEADERS_TIMEOUT_SECONDS: "60",
  // An idle connection must be closed by the shutdown itself, not by its keep-alive timeout.
  KEEP_ALIVE_TIMEOUT_SECONDS: "600",
};

const databases: FreshDatabase[] = [];
async function database(): Promise<FreshDatabase> {
  const made = await freshDatabase();
  databases.push(made);
  return made;
}

function start(database: FreshDatabase): Promise<ServerProcess> {
  return startServerProcess({ env: { ...database.env, ...slowMachine } });
}

async function exitOf(server: ServerProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
  return { code: child.exitCode, signal: child.signalCode };
}

const oldPassword = "original password 1";
const newPassword = "a brand new password";

describe("SIGTERM during a password change", () => {
  it("finishes the change and its answer, refuses new connections meanwhile, and exits 0", async () => {
    const data = await database();
    const server = await start(data);
    const url = `${server.url}/trpc`;
    const username = "shutdown_alice";
    await createClient({ url }).auth.register.mutate({ username, email: `${username}@example.com`, password: oldPassword });
    const { token } = await createClient({ url }).auth.login.mutate({ username, password: oldPassword });
    expect(token).toBeTruthy();

    const body = JSON.stringify({ currentPassword: oldPassword, newPassword });
    const change = await holdRequest(server.url, {
      method: "POST",
      path: "/trpc/auth.changePassword",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      contentLength: Buffer.byteLength(body),
    });
    server.child.kill("SIGTERM");
    await refusedSoon(server.url);
    change.send(body);

    const reply = await change.reply;
    const [interim, answer] = parseResponses(reply.text);
    expect(interim?.status).toBe(100);
    expect(answer?.status).toBe(200);
    expect(JSON.parse(answer!.body)).toMatchObject({ result: { data: { mode: "sign-in-again", signedOut: true, revokedSessions: 1 } } });
    expect(answer?.headers.connection).toBe("close");
    expect(reply.error).toBeNull();
    expect(await exitOf(server)).toEqual({ code: 0, signal: null });

    // The change was made, and kept: a new process on the same file knows only the new password.
    const again = await start(data);
    const client = createClient({ url: `${again.url}/trpc` });
    await expect(client.auth.login.mutate({ username, password: newPassword })).resolves.toMatchObject({ user: { username } });
    await expect(client.auth.login.mutate({ username, password: oldPassword })).rejects.toThrow("Incorrect username or password.");
    await again.stop();
  });
});

describe("readiness while shutting down", () => {
  it("says 503 on a connection still open, while idle ones are closed and a slow request finishes", async () => {
    const server = await start(await database());
    const host = new URL(server.url).host;

    // A: a slow request in flight (its body not sent yet).
    const loginBody = JSON.stringify({ username: "nobody_here", password: "some password 1" });
    const slow = await holdRequest(server.url, {
      method: "POST",
      path: "/trpc/auth.login",
      headers: { "content-type": "application/json" },
      contentLength: Buffer.byteLength(loginBody),
    });
    // B: a keep-alive connection still busy: its first request was answered ("ready") but one byte
    // of the body it declared is still on the way, so it is not idle and stays open.
    const busy = await holdRequest(server.url, { method: "GET", path: "/readyz", contentLength: 1 });
    await busy.received(/\r\n\r\nready$/);
    // C: an idle keep-alive connection.
    const idle = openConnection(server.url);
    idle.send(`GET /healthz HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
    await idle.received(/\r\n\r\nok$/);

    server.child.kill("SIGTERM");
    await refusedSoon(server.url);
    // A second signal (a terminal's Ctrl-C reaches every process of the group, and the primary
    // forwards it too) changes nothing: still graceful.
    server.child.kill("SIGTERM");
    // C is closed by the shutdown (its keep-alive timeout is ten minutes), while A is still in flight.
    expect((await idle.reply).closed).toBe(true);

    // B: the last byte of its first request, then the load balancer's next probe.
    busy.send(`x` + `GET /readyz HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
    const busyReply = await busy.reply;
    const [, first, probe] = parseResponses(busyReply.text);
    expect(first?.status).toBe(200);
    expect(probe?.status).toBe(503);
    expect(probe?.body).toBe("not ready: shutting down");
    expect(probe?.headers["retry-after"]).toMatch(/^\d+$/);
    expect(probe?.headers["cache-control"]).toBe("no-store");
    expect(probe?.headers.connection).toBe("close");

    // A finishes with its real answer (an unknown user: 401), then the process exits 0.
    slow.send(loginBody);
    const [, answer] = parseResponses((await slow.reply).text);
    expect(answer?.status).toBe(401);
    expect(await exitOf(server)).toEqual({ code: 0, signal: null });
  });
});
