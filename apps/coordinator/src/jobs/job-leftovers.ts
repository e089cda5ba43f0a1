import { JobRecord, TaskRecord, TaskState } from '@kiln/tasks';

/** The job's tasks, but cleanup, that no worker took as far as its record says: they will never run. */
export function unstartedTasks(job: JobRecord): TaskRecord[] {
  return job.meta.plan
    .filter((task) => task.kind !== 'cleanup' && [TaskState.PENDING, TaskState.QUEUED].includes(job.tasks[task.id].state))
    .map((task) => job.tasks[task.id]);
}

/**
 * Whether a sandbox of the job may still be alive somewhere as it ends, so
 * that its cleanup task must run: a task is running, or queued (a worker may
 * be taking it). A task never queued made none, and a task reported ended
 * gave its sandbox back before its report was sent (SandboxExecutor), so a
 * job that ended by its tasks' reports alone leaves nothing to clean.
 */
export function mayLeaveSandboxes(job: JobRecord): boolean {
  return job.meta.plan.some((task) => task.kind !== 'cleanup' && [TaskState.QUEUED, TaskState.RUNNING].includes(job.tasks[task.id].state));
}

export function cleanupTask(job: JobRecord): TaskRecord | null {
  const plan = job.meta.plan.find((task) => task.kind === 'cleanup');
  return plan ? (job.tasks[plan.id] ?? null) : null;
}
