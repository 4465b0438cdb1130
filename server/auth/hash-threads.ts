import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Argon2id on threads of our own, the one module that knows about @node-rs/argon2. Each thread
 * hashes one password at a time with the library's synchronous call, and is handed the next one
 * before it finishes, so it starts that one the moment it is done: no core waits for the event
 * loop to pass work on, and no more hashes run than there are threads. libuv's thread pool (files,
 * DNS look-ups, zlib) never waits behind a hash.
 *
 * Measured on two cores (bench/scheduling.ts, README, Performance): two threads fed this way reach
 * 95–101 % of the hash limit at concurrency 16, where hashing on libuv's pool behind a limit of 2,
 * 3 or 4 reached 87–93 %: with as many hashes in flight as cores, a core sat idle each time the
 * event loop handed a finished hash's slot on; with more, the hashes took turns on the cores, each
 * costing more CPU, and the event loop waited for a core longer.
 */

/** @node-rs/argon2's options (the PHC string's parameters). */
export type Argon2Options = { memoryCost: number; timeCost: number; parallelism: number; outputLen: number; version: number };

export type HashThreads = {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Jobs not yet started: waiting here or ready on a thread. */
  waiting(): number;
};

/** A thread ended (crashed, or was stopped) with this job on it: a fault of ours, never a wrong password. */
export class HashThreadError extends Error {
  override name = "HashThreadError";
}

// The thread's code: plain CommonJS, run from this string so that it loads the same under tsx, the
// test runner and plain Node, with the library resolved from here. It answers jobs in order.
const threadSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { hashSync, verifySync } = require(workerData.library);
parentPort.on("message", ({ id, password, hash }) => {
  try {
    const value = hash === undefined ? hashSync(password, workerData.options) : verifySync(hash, password, workerData.options);
    parentPort.postMessage({ id, value });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;
const library = createRequire(import.meta.url).resolve("@node-rs/argon2");

type Job = { id: number; password: string; hash?: string; resolve(value: string | boolean): void; reject(error: Error): void };
type Thread = { worker: Worker; jobs: Map<number, Job> };

/** Each thread holds the job it runs and the one it starts next. */
const jobsPerThread = 2;

export function createHashThreads(count: number, options: Argon2Options): HashThreads {
  const threads: (Thread | undefined)[] = Array.from({ length: count }, () => undefined);
  const line: Job[] = [];
  let nextId = 0;
  let pending = 0;

  function start(index: number): Thread {
    const worker = new Worker(threadSource, { eval: true, workerData: { library, options } });
    const thread: Thread = { worker, jobs: new Map() };
    // An idle thread does not keep the process alive; one with work does (see `send`).
    worker.unref();
    worker.on("message", ({ id, value, error }: { id: number; value?: string | boolean; error?: string }) => {
      const job = thread.jobs.get(id);
      if (!job) return;
      thread.jobs.delete(id);
      pending--;
      if (thread.jobs.size === 0) worker.unref();
      if (error === undefined) job.resolve(value!);
      else job.reject(new Error(error));
      feed();
    });
    const fail = (error: Error) => {
      if (threads[index] === thread) threads[index] = undefined;
      for (const job of thread.jobs.values()) {
        pending--;
        job.reject(new HashThreadError(`password hashing thread ended: ${error.message}`));
      }
      thread.jobs.clear();
      feed();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
    threads[index] = thread;
    return thread;
  }

  function send(thread: Thread, job: Job) {
    if (thread.jobs.size === 0) thread.worker.ref();
    thread.jobs.set(job.id, job);
    thread.worker.postMessage({ id: job.id, password: job.password, hash: job.hash });
  }

  /** Hands waiting jobs to the threads with the fewest, up to two each: idle threads first. */
  function feed() {
    while (line.length > 0) {
      let best = -1;
      for (let index = 0; index < count; index++) {
        const size = threads[index]?.jobs.size ?? 0;
        if (size < jobsPerThread && (best === -1 || size < (threads[best]?.jobs.size ?? 0))) best = index;
      }
      if (best === -1) return;
      send(threads[best] ?? start(best), line.shift()!);
    }
  }

  function submit<T extends string | boolean>(password: string, hash?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      line.push({ id: nextId++, password, hash, resolve: resolve as Job["resolve"], reject });
      pending++;
      feed();
    });
  }

  return {
    hash: (password) => submit<string>(password),
    verify: (hash, password) => submit<boolean>(password, hash),
    waiting: () => Math.max(0, pending - count),
  };
}
