import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { redisOptions } from '@kiln/redis';
import { bullPriority, compileOutputShare, JobMeta, runOutputShare, TaskPayload, TaskPlan, taskQueueJobId, taskQueueName } from '@kiln/tasks';

/**
 * Puts a job's tasks on the BullMQ queue of its named Kiln queue (one per
 * name in coordinator.queues); deterministic ids make enqueueing idempotent.
 */
@Injectable()
export class TaskQueue implements OnApplicationShutdown {
  private readonly queues = new Map<string, Queue<TaskPayload>>();

  constructor(private readonly config: KilnConfig) {
    const connection = { ...redisOptions(config.redis.url, 'kiln-task-queue'), maxRetriesPerRequest: null };
    for (const name of config.coordinator.queues) {
      this.queues.set(name, new Queue<TaskPayload>(taskQueueName(name), { connection, prefix: config.redis.prefix }));
    }
  }

  names(): string[] {
    return [...this.queues.keys()];
  }

  queue(name: string): Queue<TaskPayload> {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    return queue;
  }

  /**
   * `delayMs`: the tasks become available to workers only after this long.
   * `compileBudgetUsed`: what the compile took of the job's output budget (run tasks share the rest).
   */
  async enqueue(meta: JobMeta, tasks: TaskPlan[], options: { delayMs?: number; compileBudgetUsed?: number } = {}): Promise<void> {
    const enqueuedAt = Date.now();
    const delayMs = options.delayMs ?? 0;
    await this.queue(meta.queue).addBulk(
      tasks.map((task) => ({
        name: task.kind,
        data: payloadOf(meta, task, enqueuedAt, options.compileBudgetUsed ?? 0),
        opts: {
          jobId: taskQueueJobId(meta.id, task.id),
          priority: bullPriority(meta.priority, !isFirstTask(meta, task)),
          attempts: this.config.worker.taskAttempts,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 3600, count: 5000 },
          removeOnFail: { age: 24 * 3600, count: 5000 },
          ...(delayMs > 0 ? { delay: delayMs } : {}),
        },
      })),
    );
  }

  /**
   * Tasks waiting for a worker, all queues together (backpressure:
   * coordinator.maxQueuedTasks): delayed ones too, which wait for a retry or
   * for their key's running share (worker.perKey.runningShare).
   */
  async waiting(): Promise<number> {
    const counts = await Promise.all([...this.queues.values()].map((q) => q.getJobCountByTypes('waiting', 'prioritized', 'delayed')));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** Takes tasks that no worker has picked up yet off the queue (cancellation). */
  async withdraw(meta: JobMeta, taskIds: string[]): Promise<void> {
    const queue = this.queue(meta.queue);
    await Promise.allSettled(taskIds.map((taskId) => queue.remove(taskQueueJobId(meta.id, taskId))));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
  }
}

/** The task a new job starts with: compile if any, else its run tasks. */
function isFirstTask(meta: JobMeta, task: TaskPlan): boolean {
  return meta.compiled ? task.kind === 'compile' : task.kind === 'run';
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
  if (task.kind === 'compile') return compileOutputShare(meta.limits);
  return runOutputShare(meta.limits, meta.testCount ?? 0, compileBudgetUsed);
}
