import { describe, expect, it } from "vitest";
import { argon2idParameters, createPasswordHasher } from "../../server/auth/passwords.js";

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
