import { availableParallelism } from "node:os";
import { Argon2id } from "oslo/password";
// NFKC before hashing and verifying, the same way (password-text.ts says why).
import { normalizePassword } from "./password-text.js";

/**
 * Password hashing, the one module that knows about oslo (deprecated upstream; replacing it
 * touches only this file). Argon2id with OWASP's minimum parameters: m=19456 KiB, t=2, p=1.
 * The native implementation runs on libuv's thread pool, so hashing never runs on the event loop.
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
   * The line of hashes waiting for a slot is full: new password work should be turned away (503,
   * try again shortly) rather than wait. A flood then costs its senders, not everyone's sign-in.
   */
  overloaded(): boolean;
};

/** About half a second of waiting at this machine's hash rate (≈100 hashes/s on two cores). */
const defaultQueueLimit = 48;

/**
 * At most `limit` hashes at once, the rest wait in line. Many more hashes than cores do not finish
 * sooner (each needs 19 MiB of memory bandwidth and a core); they only take the CPU from the event
 * loop, which then answers every other request late. One more than the cores keeps every core busy
 * while the event loop hands a finished hash's request on (measured: 80 % of the hash limit with
 * cores, 100 % with cores + 1, the same event-loop delay). A finished hash hands its slot straight
 * to the next in line, so the bound holds exactly.
 */
function createLimiter(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (running < limit) {
      running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    queued: () => waiting.length,
  };
}

export type HasherOptions = {
  /** Hashes at once; the rest wait in line. */
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
  const { concurrency = availableParallelism() + 1, queueLimit = defaultQueueLimit, parameters = argon2idParameters } = options;
  const argon2id = new Argon2id(parameters);
  const limiter = createLimiter(Math.max(1, concurrency));
  const limited = <T>(task: () => Promise<T>) => limiter.run(task);
  let dummyHash: Promise<string> | undefined;
  const verify = async (hash: string, password: string) => {
    try {
      return await limited(() => argon2id.verify(hash, normalizePassword(password)));
    } catch {
      // A malformed stored hash must read as "wrong password", never as an error page.
      return false;
    }
  };
  return {
    hash: (password) => limited(() => argon2id.hash(normalizePassword(password))),
    overloaded: () => limiter.queued() >= queueLimit,
    verify,
    async verifyNothing(password) {
      dummyHash ??= argon2id.hash("a password nobody has");
      await verify(await dummyHash, password);
    },
  };
}
