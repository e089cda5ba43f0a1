import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { isTerminalJobState, JobState, RedisKeys, TaskPayload, TaskResult } from '@kiln/tasks';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { SandboxKilledError } from '../sandbox/sandbox';
import { CleanupTaskRunner } from './cleanup-task.runner';
import { CompileTaskRunner } from './compile-task.runner';
import { RunTaskRunner } from './run-task.runner';
import { TaskEventPublisher } from './task-event.publisher';
import { TestBatchRunner } from './test-batch.runner';

/**
 * Takes tasks from the queue and runs them. A program's failure is a result
 * (a verdict), never a thrown error; only Kiln's own failures throw, and those
 * are retried by BullMQ until the last attempt, which reports `failed`.
 */
@Injectable()
export class TaskProcessor {
  private readonly logger = new Logger(TaskProcessor.name);
  private active = 0;

  constructor(
    private readonly identity: WorkerIdentity,
    private readonly events: TaskEventPublisher,
    private readonly compile: CompileTaskRunner,
    private readonly runs: RunTaskRunner,
    private readonly testBatches: TestBatchRunner,
    private readonly cleanup: CleanupTaskRunner,
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** Tasks being processed right now (for the heartbeat). */
  running(): number {
    return this.active;
  }

  async process(job: Job<TaskPayload>): Promise<void> {
    this.active++;
    try {
      await this.processTask(job);
    } finally {
      this.active--;
    }
  }

  private async processTask(job: Job<TaskPayload>): Promise<void> {
    const task = job.data;
    const report = { jobId: task.jobId, taskId: task.taskId, workerId: this.identity.id, attempt: job.attemptsMade + 1 };
    if (task.kind !== 'cleanup' && (await this.jobIsOver(task.jobId))) {
      await this.events.publish({ ...report, type: 'failed', error: 'skipped: the job was already over' });
      return;
    }
    // `started` travels while the task runs (it is off the answer's path);
    // awaiting it before `completed` keeps the two in order.
    const started = this.events.publish({ ...report, type: 'started' });
    started.catch(() => undefined);
    try {
      const result = await this.runTask(task);
      await started;
      await this.events.publish({ ...report, type: 'completed', result });
    } catch (error) {
      if (error instanceof SandboxKilledError) {
        await this.events.publish({ ...report, type: 'failed', error: 'cancelled' });
        return;
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.warn(`task ${task.jobId}/${task.taskId} attempt ${report.attempt} failed: ${(error as Error).message}`);
      if (lastAttempt) await this.events.publish({ ...report, type: 'failed', error: (error as Error).message });
      throw error;
    }
  }

  private runTask(task: TaskPayload): Promise<TaskResult> {
    switch (task.kind) {
      case 'compile':
        return this.compile.run(task);
      case 'run':
        return task.tests?.length ? this.testBatches.run(task) : this.runs.run(task);
      case 'cleanup':
        return this.cleanup.run(task);
    }
  }

  private async jobIsOver(jobId: string): Promise<boolean> {
    const state = (await this.redis.hget(this.keys.job(jobId), 'state')) as JobState | null;
    return state === null || isTerminalJobState(state);
  }
}
