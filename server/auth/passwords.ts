import { Argon2id } from "oslo/password";

/**
 * Password hashing, the one module that knows about oslo (deprecated upstream; replacing it
 * touches only this file). Argon2id with OWASP's minimum parameters: m=19456 KiB, t=2, p=1.
 * The native implementation runs on libuv's thread pool, so hashing never blocks the event loop.
 */
const argon2id = new Argon2id({ memorySize: 19456, iterations: 2, parallelism: 1 });

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Does the work of one failed verification, so a missing account takes as long as a wrong password. */
  verifyNothing(password: string): Promise<void>;
};

let dummyHash: Promise<string> | undefined;

/**
 * NFKC, the same way when setting and verifying, so "é" typed as one code point or as "e" plus a
 * combining accent is the same password (NIST 800-63B). oslo does it too; doing it here keeps the
 * guarantee if oslo is replaced.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

export const passwordHasher: PasswordHasher = {
  hash: (password) => argon2id.hash(normalizePassword(password)),
  async verify(hash, password) {
    try {
      return await argon2id.verify(hash, normalizePassword(password));
    } catch {
      // A malformed stored hash must read as "wrong password", never as an error page.
      return false;
    }
  },
  async verifyNothing(password) {
    dummyHash ??= argon2id.hash("a password nobody has");
    await argon2id.verify(await dummyHash, password);
  },
};

/** Length as people count it: Unicode code points, so three emoji are 3 characters, not 6. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
