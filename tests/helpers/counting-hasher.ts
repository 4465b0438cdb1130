import type { PasswordHasher } from "../../server/auth/passwords.js";
import { cheapHasher } from "./cheap-hasher.js";

/**
 * The cheap hasher, counting what reaches it: pass `hasher` as `createApp({ passwordHasher })` and
 * read `calls` to see how many attempts got as far as a hash. `verify` counts every password
 * check, `verifyNothing` (the stand-in for an unknown username) included.
 *
 * `hold()` makes password checks wait until `release()`, as a slow hash on a busy machine would:
 * `held()` says how many are waiting. Tests decide by that count, never by the clock.
 */
export function countingHasher(inner: PasswordHasher = cheapHasher) {
  const calls = { hash: 0, verify: 0 };
  let gate: Promise<void> | null = null;
  let open = () => {};
  let waiting = 0;
  const pass = async () => {
    if (!gate) return;
    waiting++;
    try {
      await gate;
    } finally {
      waiting--;
    }
  };
  const hasher: PasswordHasher = {
    hash(password) {
      calls.hash++;
      return inner.hash(password);
    },
    async verify(hash, password) {
      calls.verify++;
      await pass();
      return inner.verify(hash, password);
    },
    async verifyNothing(password) {
      calls.verify++;
      await pass();
      return inner.verifyNothing(password);
    },
    overloaded: () => inner.overloaded(),
  };
  return {
    hasher,
    calls,
    hold() {
      gate ??= new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      open();
      gate = null;
    },
    held: () => waiting,
  };
}

/** Resolves once `condition` holds, looking every few milliseconds; `atMostMs` ends the wait either way. */
export async function until(condition: () => boolean, atMostMs = Infinity): Promise<void> {
  const start = Date.now();
  while (!condition() && Date.now() - start < atMostMs) await new Promise((resolve) => setTimeout(resolve, 10));
}
