import { randomBytes, scrypt } from "node:crypto";
import { createPasswordHasher } from "../server/auth/passwords.js";

/**
 * The hash limits: how many hash+verify pairs per second this machine does with each system's
 * own parameters and nothing else running. A password change costs one of each, so this is the
 * ceiling its changes per second can be compared with. Both are measured the same way: `inFlight`
 * pairs at a time, back to back, for `seconds`.
 */

export type HashPair = { hash(password: string): Promise<string>; verify(hash: string, password: string): Promise<boolean> };

export async function pairsPerSecond(pair: HashPair, inFlight: number, seconds: number): Promise<number> {
  const password = "bench password number 1";
  let pairs = 0;
  const started = Date.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < end) {
        await pair.verify(await pair.hash(password), password);
        pairs++;
      }
    }),
  );
  return pairs / ((Date.now() - started) / 1000);
}

/**
 * Ours: Argon2id with our parameters, without our bound on hashes in flight (as many as the loop
 * sends): the machine's ceiling, not our way of reaching it.
 */
export const argon2idPair: HashPair = createPasswordHasher({ concurrency: 64 });

/**
 * better-auth 1.7's: node:crypto's scrypt (on libuv's thread pool) with N=16384, r=16, p=1, a
 * 64-byte key and a 16-byte salt as hex, exactly as @better-auth/utils/password.node.mjs calls it.
 */
const scryptOptions = { N: 16384, r: 16, p: 1, maxmem: 128 * 16384 * 16 * 2 };
const scryptKey = (password: string, salt: string) =>
  new Promise<string>((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, 64, scryptOptions, (error, key) => (error ? reject(error) : resolve(key.toString("hex")))),
  );
export const scryptPair: HashPair = {
  async hash(password) {
    const salt = randomBytes(16).toString("hex");
    return `${salt}:${await scryptKey(password, salt)}`;
  },
  async verify(hash, password) {
    const [salt = "", key] = hash.split(":");
    return (await scryptKey(password, salt)) === key;
  },
};
