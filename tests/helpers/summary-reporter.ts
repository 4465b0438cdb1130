import type { Reporter } from "vitest/reporters";

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] };

/** Ends the run with one plain line, "vitest: N passed, N failed, N skipped", that CI can read. */
export default class SummaryReporter implements Reporter {
  onFinished(files: Task[] = [], errors: readonly unknown[] = []) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const visit = (task: Task) => {
      if (task.tasks) task.tasks.forEach(visit);
      if (task.type !== "test") return;
      if (task.result?.state === "pass") counts.passed++;
      else if (task.result?.state === "fail") counts.failed++;
      else counts.skipped++;
    };
    files.forEach(visit);
    // A file that failed to load has no tests but must still count as a failure.
    counts.failed += files.filter((file) => file.result?.state === "fail" && !file.tasks?.length).length;
    // Errors outside any test (an unhandled rejection, a crashed worker) fail the run: count them too.
    counts.failed += errors.length;
    console.log(`\nvitest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
