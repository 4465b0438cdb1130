import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxTrpcBatchSize } from "../../server/router.js";
import { createPasswordHasher, type PasswordHasher } from "../../server/auth/passwords.js";
import { cheapHasher } from "../helpers/cheap-hasher.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { sqlOf } from "../helpers/sql.js";

/** Password work is bounded: per request (tRPC batches) and per process (a queue that sheds load). */

/** The cheap hasher, counting how many hashes and verifications the server asked for. */
function countingHasher(inner: PasswordHasher = cheapHasher) {
  let calls = 0;
  const hasher: PasswordHasher = {
    hash: (password) => (calls++, inner.hash(password)),
    verify: (hash, password) => (calls++, inner.verify(hash, password)),
    verifyNothing: (password) => (calls++, inner.verifyNothing(password)),
    overloaded: () => inner.overloaded(),
  };
  return { hasher, calls: () => calls };
}

describe("tRPC batches", () => {
  const counter = countingHasher();
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ passwordHasher: counter.hasher, rateLimitIpAttempts: 100_000 });
  });
  afterAll(() => server.close());

  const batch = (count: number, offset: number) => {
    const paths = Array.from({ length: count }, () => "auth.register").join(",");
    const body = Object.fromEntries(
      Array.from({ length: count }, (_, index) => [
        String(index),
        { username: `batch${offset + index}`, email: `batch${offset + index}@example.com`, password: "a fine long password" },
      ]),
    );
    return fetch(`${server.url}/trpc/${paths}?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  };

  it(`refuses a batch of more than ${maxTrpcBatchSize} calls before any of them runs`, async () => {
    const before = counter.calls();
    const response = await batch(60, 0);
    expect(response.status).toBe(400);
    expect(counter.calls()).toBe(before);
    expect((await sqlOf(server.app.store).value(`SELECT count(*) FROM "user"`))).toBe(0);
  });

  it(`still takes a batch of ${maxTrpcBatchSize}`, async () => {
    const response = await batch(maxTrpcBatchSize, 100);
    expect(response.status).toBe(200);
    expect((await sqlOf(server.app.store).value(`SELECT count(*) FROM "user"`))).toBe(maxTrpcBatchSize);
  });
});

describe("the hash queue", () => {
  it("says when its line is full, and is free again once the line has drained", async () => {
    const hasher = createPasswordHasher({ concurrency: 2, queueLimit: 3, parameters: { memorySize: 1024, iterations: 1, parallelism: 1 } });
    expect(hasher.overloaded()).toBe(false);
    // Two start at once, three wait in line: the line is full (synchronously, before any finishes).
    const work = Array.from({ length: 5 }, () => hasher.hash("a password"));
    expect(hasher.overloaded()).toBe(true);
    await Promise.all(work);
    expect(hasher.overloaded()).toBe(false);
  });
});

describe("when the hash line is full", () => {
  // A real hasher with one slot and a line of one. Two deliberately slow hashes (64 MiB, 20 passes:
  // seconds each) fill it; the requests below arrive within milliseconds, and a slower machine only
  // keeps the line full for longer.
  const hasher = createPasswordHasher({ concurrency: 1, queueLimit: 1, parameters: { memorySize: 65_536, iterations: 20, parallelism: 1 } });
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ passwordHasher: hasher, rateLimitIpAttempts: 100_000 });
  });
  afterAll(() => server.close());

  it("turns password work away at once with 503 and Retry-After, on every door, counting nothing", async () => {
    const filling = [hasher.hash("filler one"), hasher.hash("filler two")];
    expect(hasher.overloaded()).toBe(true);
    const trpc = (path: string, body: unknown) =>
      fetch(`${server.url}/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const responses = await Promise.all([
      trpc("auth.login", { username: "somebody", password: "some password 1" }),
      trpc("auth.register", { username: "newcomer", email: "newcomer@example.com", password: "a fine long password" }),
      fetch(`${server.url}/login`, { method: "POST", body: new URLSearchParams({ username: "somebody", password: "some password 1" }), redirect: "manual" }),
    ]);
    expect(hasher.overloaded()).toBe(true);
    for (const response of responses) {
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("2");
    }
    expect((await sqlOf(server.app.store).value("SELECT count(*) FROM rate_limit"))).toBe(0);
    expect((await sqlOf(server.app.store).value(`SELECT count(*) FROM "user"`))).toBe(0);
    await Promise.all(filling);
  });
});
