import { setTimeout as sleep } from 'node:timers/promises';
import { JobView, TaskState } from '@kiln/tasks';

/** How long the end waits for a stopped job's tasks: its workers kill the sandboxes on the cancel signal, well within this. */
const SETTLE_WITHIN_MS = 2000;
const SETTLE_POLL_MS = 50;

/**
 * The ended job once the tasks it ran have recorded their end. A cancel (or
 * the job's deadline) ends the job at once, while its running task records
 * CANCELLED, with the output it had, only when its worker has killed the
 * sandbox (apps/coordinator/src/jobs/job-finisher.ts, `stop`). Waits at most
 * `withinMs`, then answers the job as it is: a worker that is gone never reports.
 */
export async function settledJobView(read: () => Promise<JobView>, withinMs = SETTLE_WITHIN_MS): Promise<JobView> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const view = await read();
    if (!stillRunning(view) || Date.now() >= deadline) return view;
    await sleep(SETTLE_POLL_MS);
  }
}

/** A task of the job's own still running (the cleanup runs after the end by design). */
function stillRunning(view: JobView): boolean {
  return view.tasks.some((task) => task.state === TaskState.RUNNING && task.kind !== 'cleanup');
}
