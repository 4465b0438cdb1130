import { createPasswordHasher } from "../../server/auth/passwords.js";

/**
 * Argon2id at its cheapest (1 MiB, one pass): tests sign in hundreds of times, and at full strength
 * a busy two-core machine spends minutes hashing. Real hashing is pinned by its own test
 * (tests/unit/passwords.test.ts) and exercised by the tests that start `server/main.ts` itself.
 */
export const cheapHasher = createPasswordHasher({ parameters: { memorySize: 1024, iterations: 1, parallelism: 1 } });
