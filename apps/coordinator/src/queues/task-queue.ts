import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { TaskQueueRepository } from '@kiln/store';
import { checkerCompileOutputShare, compileOutputShare, firstTasksOf, JobMeta, runOutputShare, TaskPayload, TaskPlan } from '@kiln/tasks';

/** How long a reading of the waiting tasks serves admission while the backlog is far below its limit. */
const BACKLOG_READING_MS = 1000;

/**
 * Puts a job's tasks on the task queue of its named Kiln queue (one per name
 * in coordinator.queues), each with what a worker needs to run it, retried
 * coordinator.taskAttempts times when Kiln fails it.
 */
@Injectable()
export class TaskQueue {
  private lastReading = { count: 0, at: 0 };
  /** Tasks this coordinator enqueued since the last reading. */
  private queuedSince = 0;

  constructor(
    private readonly queues: TaskQueueRepository,
    private readonly config: KilnConfig,
  ) {}

  /** The named queues this coordinator accepts jobs for. */
  names(): string[] {
    return this.config.coordinator.queues;
  }

  /**
   * `delayMs`: the tasks become available to workers only after this long.
   * `compileBudgetUsed`: what the compiles took of the job's output budget (run tasks share the rest).
   */
  async enqueue(meta: JobMeta, tasks: TaskPlan[], options: { delayMs?: number; compileBudgetUsed?: number } = {}): Promise<void> {
    const enqueuedAt = Date.now();
    const queued = tasks.map((task) => ({
      payload: payloadOf(meta, task, enqueuedAt, options.compileBudgetUsed ?? 0),
      priority: meta.priority,
      followUp: !isFirstTask(meta, task),
    }));
    await this.queues.enqueue(meta.queue, queued, { attempts: this.config.coordinator.taskAttempts, delayMs: options.delayMs });
    this.queuedSince += tasks.length;
  }

  /**
   * Tasks waiting for a worker, all queues together (backpressure:
   * coordinator.maxQueuedTasks): delayed ones too, which wait for a retry or
   * for their key's running share (worker.perKey.runningShare).
   */
  waiting(): Promise<number> {
    return this.queues.waiting(this.names());
  }

  /**
   * The waiting tasks as admission against `limit` needs them: the last
   * reading plus what this coordinator queued since, while that is below half
   * the limit and the reading younger than BACKLOG_READING_MS; else a fresh
   * reading. So the count is exact wherever the limit could be reached, and
   * read at most once a second far below it, not for every job.
   */
  async backlog(limit: number): Promise<number> {
    const estimate = this.lastReading.count + this.queuedSince;
    if (estimate * 2 < limit && Date.now() - this.lastReading.at < BACKLOG_READING_MS) return estimate;
    this.queuedSince = 0;
    this.lastReading = { count: await this.waiting(), at: Date.now() };
    return this.lastReading.count;
  }

  /** Takes tasks that no worker has picked up yet off the queue (cancellation). */
  withdraw(meta: JobMeta, taskIds: string[]): Promise<void> {
    return this.queues.withdraw(meta.queue, meta.id, taskIds);
  }
}

/** A task a new job starts with: its compiles if any, else its run tasks. */
function isFirstTask(meta: JobMeta, task: TaskPlan): boolean {
  return firstTasksOf(meta.plan).some((first) => first.id === task.id);
}

function payloadOf(meta: JobMeta, task: TaskPlan, enqueuedAt: number, compileBudgetUsed: number): TaskPayload {
  const outputBudget = outputShareOf(meta, task, compileBudgetUsed);
  return {
    jobId: meta.id,
    taskId: task.id,
    kind: task.kind,
    queue: meta.queue,
    language: meta.language,
    limits: meta.limits,
    useArtifact: task.kind === 'run' && meta.compiled,
    ...(task.tests ? { tests: task.tests } : {}),
    ...(task.program ? { program: task.program } : {}),
    ...(meta.checker && (task.program === 'checker' || task.kind === 'run') ? { checker: meta.checker } : {}),
    ...(meta.interactor && (task.program === 'interactor' || task.kind === 'run') ? { interactor: meta.interactor } : {}),
    ...(meta.options ? { options: meta.options } : {}),
    ...(outputBudget !== null ? { outputBudget } : {}),
    ...(meta.trace ? { trace: meta.trace } : {}),
    ...(meta.owner ? { owner: meta.owner } : {}),
    enqueuedAt,
  };
}

/** Each execution's share of the job's output budget (see output-budget.ts); none for cleanup or a job planned without a budget. */
function outputShareOf(meta: JobMeta, task: TaskPlan, compileBudgetUsed: number): number | null {
  if (task.kind === 'cleanup' || meta.limits.jobOutputBytes === undefined) return null;
  // A job has a checker or an interactor, never both: either compile takes the judge's quarter.
  if (task.program) return checkerCompileOutputShare(meta.limits);
  if (task.kind === 'compile') return compileOutputShare(meta.limits);
  return runOutputShare(meta.limits, meta.testCount ?? 0, compileBudgetUsed);
}
