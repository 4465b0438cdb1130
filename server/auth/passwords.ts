import { availableParallelism } from "node:os";
import { createHashThreads, HashThreadError } from "./hash-threads.js";

/**
 * Password hashing: Argon2id with OWASP's minimum parameters, m=19456 KiB, t=2, p=1, on threads of
 * its own (server/auth/hash-threads.ts), so hashing never runs on the event loop nor occupies
 * libuv's thread pool. The PHC strings are the ones oslo made before (same library, same
 * parameters): no stored password needs hashing again.
 */
export const argon2idParameters: Argon2idParameters = { memorySize: 19456, iterations: 2, parallelism: 1 };

/** memorySize in KiB. */
export type Argon2idParameters = { memorySize: number; iterations: number; parallelism: number };

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Does the work of one failed verification, so a missing account takes as long as a wrong password. */
  verifyNothing(password: string): Promise<void>;
  /**
   * The line of hashes waiting for a thread is full: new password work should be turned away (503,
   * try again shortly) rather than wait. A flood then costs its senders, not everyone's sign-in.
   */
  overloaded(): boolean;
};

/** About 0.4 s of waiting at this machine's hash rate (≈130 hashes/s on two cores). */
const defaultQueueLimit = 48;

/**
 * NFKC, the same way when setting and verifying, so "é" typed as one code point or as "e" plus a
 * combining accent is the same password (NIST 800-63B), as oslo did before us.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/**
 * Hashes at once per process unless HASH_CONCURRENCY says otherwise: one per core, shared among
 * the worker processes (WEB_CONCURRENCY). More do not finish sooner (each needs 19 MiB of memory
 * bandwidth and a core): they take turns on the cores, each costing more CPU, and take the CPU
 * from the event loop, which then answers every other request late.
 */
export function defaultHashConcurrency({ cores = availableParallelism(), workers = 1 }: { cores?: number; workers?: number } = {}): number {
  return Math.max(1, Math.ceil(cores / workers));
}

export type HasherOptions = {
  /** Hashes at once; the rest wait in line. Default: `defaultHashConcurrency()`. */
  concurrency?: number;
  /** How many may wait in line before new password work is turned away (`overloaded()`). */
  queueLimit?: number;
  /**
   * Only tests pass cheaper ones (through `createApp({ passwordHasher })`, never an environment
   * variable), so that a suite of hundreds of sign-ins does not depend on the machine's speed.
   */
  parameters?: Argon2idParameters;
};

export function createPasswordHasher(options: HasherOptions = {}): PasswordHasher {
  const { concurrency = defaultHashConcurrency(), queueLimit = defaultQueueLimit, parameters = argon2idParameters } = options;
  // What oslo passed for us before: a 32-byte tag, version 0x13 (19).
  const threads = createHashThreads(Math.max(1, concurrency), {
    memoryCost: parameters.memorySize,
    timeCost: parameters.iterations,
    parallelism: parameters.parallelism,
    outputLen: 32,
    version: 1,
  });
  let dummyHash: Promise<string> | undefined;
  const verify = async (hash: string, password: string) => {
    try {
      return await threads.verify(hash, normalizePassword(password));
    } catch (error) {
      // A hashing thread that died is our fault, not a wrong password: the request fails instead.
      if (error instanceof HashThreadError) throw error;
      // A malformed stored hash must read as "wrong password", never as an error page.
      return false;
    }
  };
  return {
    hash: (password) => threads.hash(normalizePassword(password)),
    overloaded: () => threads.waiting() >= queueLimit,
    verify,
    async verifyNothing(password) {
      dummyHash ??= threads.hash("a password nobody has");
      await verify(await dummyHash, password);
    },
  };
}

/** Length as people count it: Unicode code points, so three emoji are 3 characters, not 6. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
