import { describe, expect, it } from "vitest";
import { createHashThreads } from "../../server/auth/hash-threads.js";
import { argon2idParameters, createPasswordHasher, defaultHashConcurrency } from "../../server/auth/passwords.js";

/**
 * Tests hash with cheap parameters (tests/helpers/cheap-hasher.ts); this pins what production
 * uses, so the cheap setting can never leak into the default.
 */
describe("production password hashing", () => {
  it("is Argon2id with OWASP's minimum parameters, m=19456 KiB, t=2, p=1", async () => {
    expect(argon2idParameters).toEqual({ memorySize: 19456, iterations: 2, parallelism: 1 });
    const hasher = createPasswordHasher();
    const hash = await hasher.hash("correct horse battery staple");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await hasher.hash("correct horse battery staple")).not.toBe(hash);
    expect(await hasher.verify(hash, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(hash, "correct horse battery stapler")).toBe(false);
  });

  it("verifies a hash made with other parameters (they travel in the PHC string)", async () => {
    const cheap = createPasswordHasher({ parameters: { memorySize: 1024, iterations: 1, parallelism: 1 } });
    expect(await createPasswordHasher().verify(await cheap.hash("a password"), "a password")).toBe(true);
  });
});

describe("how many hashes run at once", () => {
  it("one per core, shared among the worker processes", () => {
    expect(defaultHashConcurrency({ cores: 2, workers: 1 })).toBe(2);
    expect(defaultHashConcurrency({ cores: 2, workers: 2 })).toBe(1);
    expect(defaultHashConcurrency({ cores: 6, workers: 4 })).toBe(2);
    expect(defaultHashConcurrency({ cores: 1, workers: 4 })).toBe(1);
  });

  it("never more than the threads, however many are asked for at once, and every answer reaches its caller", async () => {
    const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1, outputLen: 32, version: 1 };
    const threads = createHashThreads(2, cheap);
    const passwords = Array.from({ length: 9 }, (_, index) => `password number ${index}`);
    const hashes = passwords.map((password) => threads.hash(password));
    // Two run, seven wait (two of them already handed to a thread, to start the moment it is free).
    expect(threads.waiting()).toBe(7);
    const verified = await Promise.all(hashes.map(async (hash, index) => threads.verify(await hash, passwords[index]!)));
    expect(verified).toEqual(passwords.map(() => true));
    expect(await threads.verify(await hashes[0]!, passwords[1]!)).toBe(false);
    expect(threads.waiting()).toBe(0);
  });

  it("reads a malformed stored hash as a wrong password, not as an error", async () => {
    const hasher = createPasswordHasher({ parameters: { memorySize: 1024, iterations: 1, parallelism: 1 } });
    expect(await hasher.verify("not a PHC string", "a password")).toBe(false);
    expect(await hasher.verify("$argon2id$v=19$m=1024,t=1,p=1$AAAA$BBBB", "a password")).toBe(false);
  });
});
