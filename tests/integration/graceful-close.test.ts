import { once } from "node:events";
import nodemailer from "nodemailer";
import { describe, expect, it } from "vitest";
import { createClient } from "../../server/trpc/client.js";
import { uniqueName } from "../helpers/doors.js";
import { holdRequest, openConnection, parseResponses, refusedSoon } from "../helpers/held-request.js";
import { openTestStore } from "../helpers/database.js";
import { serversForEachTest } from "../helpers/server.js";
import { sqlOf, stillOpen } from "../helpers/sql.js";

/**
 * `app.close()`, what SIGTERM runs (server/main.ts), in-process: the requests in flight finish,
 * idle connections go at once, readiness says no meanwhile, and the database closes last.
 */

// Keep-alive connections would stay open for ten minutes: closing the idle ones is close()'s job.
const serverWith = serversForEachTest({ keepAliveTimeoutSeconds: 600 });

const password = "original password 1";
const fresh = "a brand new password";
const requester = { ip: "127.0.0.1", userAgent: null };

/** A sign-in whose body has not been sent yet: in flight until the test sends `body`. */
async function heldLogin(url: string, username: string) {
  const body = JSON.stringify({ username, password });
  const request = await holdRequest(url, {
    method: "POST",
    path: "/trpc/auth.login",
    headers: { "content-type": "application/json" },
    contentLength: Buffer.byteLength(body),
  });
  return { request, body };
}

describe("app.close()", () => {
  it("lets a request in flight finish, closes idle connections at once, answers /readyz 503 meanwhile, then closes the database", async () => {
    const server = await serverWith();
    const username = uniqueName("close");
    await createClient({ url: `${server.url}/trpc` }).auth.register.mutate({ username, email: `${username}@example.com`, password });

    const idle = openConnection(server.url);
    idle.send(`GET /healthz HTTP/1.1\r\nhost: ${new URL(server.url).host}\r\n\r\n`);
    await idle.received(/\r\n\r\nok$/);
    const { request: login, body } = await heldLogin(server.url, username);

    const closing = server.app.close();
    // The idle keep-alive connection is closed without waiting for its ten-minute timeout.
    const idleReply = await idle.reply;
    expect(idleReply.closed).toBe(true);
    // No new connections, and readiness says why.
    await refusedSoon(server.url);
    const readiness = await server.app.handle(new Request(`${server.url}/readyz`), requester);
    expect(readiness.status).toBe(503);
    expect(await readiness.text()).toBe("not ready: shutting down");
    expect(readiness.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await stillOpen(server.app.store)).toBe(true);

    login.send(body);
    const reply = await login.reply;
    const [, answer] = parseResponses(reply.text);
    expect(answer?.status).toBe(200);
    expect(JSON.parse(answer!.body).result.data.user.username).toBe(username);
    // The client is told not to send another request on this connection, which then closes.
    expect(answer?.headers.connection).toBe("close");
    expect(reply.error).toBeNull();

    await closing;
    expect(await stillOpen(server.app.store)).toBe(false);
  });

  it("closes what is still in flight at the timeout, and resolves", async () => {
    const server = await serverWith();
    const { request: stuck } = await heldLogin(server.url, "nobody");
    await server.app.close({ timeoutSeconds: 1 });
    const reply = await stuck.reply;
    expect(reply.closed).toBe(true);
    expect(parseResponses(reply.text).map((response) => response.status)).toEqual([100]);
    expect(await stillOpen(server.app.store)).toBe(false);
  });

  it("is the same shutdown when called twice", async () => {
    const server = await serverWith();
    const first = server.app.close();
    expect(server.app.close()).toBe(first);
    await first;
  });

  it("lets the change notice under way be sent and recorded before the database closes", async () => {
    let reached!: () => void;
    const sending = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const transport = nodemailer.createTransport({
      name: "held",
      version: "1",
      send(mail, done) {
        reached();
        void released.then(() => done(null, { envelope: mail.message.getEnvelope(), messageId: mail.message.messageId() }));
      },
    });
    const server = await serverWith({ mailTransport: transport });
    const url = `${server.url}/trpc`;
    const username = uniqueName("notice");
    await createClient({ url }).auth.register.mutate({ username, email: `${username}@example.com`, password });
    const { token } = await createClient({ url }).auth.login.mutate({ username, password });
    await createClient({ url, token }).auth.changePassword.mutate({ currentPassword: password, newPassword: fresh });
    await sending;

    const closing = server.app.close();
    // Every connection has ended; the database must stay open for the delivery still under way.
    await once(server.app.server, "close");
    await new Promise((resolve) => setImmediate(resolve));
    expect(await stillOpen(server.app.store)).toBe(true);
    release();
    await closing;
    expect(await stillOpen(server.app.store)).toBe(false);
    const store = await openTestStore(server.database);
    const outbox = await sqlOf(store).all("SELECT sent_at, error FROM outbox");
    await store.close();
    expect(outbox).toEqual([{ sent_at: expect.any(Number), error: null }]);
  });
});
