import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { isTerminalJobState, JobState, RedisKeys, TaskPayload, TaskResult } from '@kiln/tasks';
import { currentTraceCarrier, inSpan, SpanKind } from '@kiln/telemetry';
import { RunningShare } from '../fair-share/running-share';
import { WorkerIdentity } from '../identity/worker-identity';
import { TaskOutcome, WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxKilledError } from '../sandbox/sandbox-lease';
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
    private readonly metrics: WorkerMetrics,
    private readonly share: RunningShare,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** Tasks being processed right now (for the heartbeat). */
  running(): number {
    return this.active;
  }

  /**
   * One task, in a span that continues the job's trace (started by the
   * coordinator's request), once its key has a running slot free; a task
   * over its key's share is parked and BullMQ told so (DelayedError).
   */
  async process(job: Job<TaskPayload>, token?: string): Promise<void> {
    const task = job.data;
    if (!(await this.share.claim(job, token))) {
      this.metrics.taskParked(task);
      throw new DelayedError();
    }
    const attributes = { 'kiln.job': task.jobId, 'kiln.task': task.taskId, 'kiln.kind': task.kind, 'kiln.language': task.language, 'kiln.worker': this.identity.id };
    this.active++;
    this.metrics.taskStarted(task);
    let outcome: TaskOutcome = 'failed';
    try {
      outcome = await inSpan('kiln.task', attributes, () => this.processTask(job), { parent: task.trace, kind: SpanKind.CONSUMER });
    } catch (error) {
      outcome = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) ? 'failed' : 'retried';
      throw error;
    } finally {
      this.active--;
      this.metrics.taskEnded(task, outcome);
      await this.share.release(job);
    }
  }

  private async processTask(job: Job<TaskPayload>): Promise<TaskOutcome> {
    const task = job.data;
    const log = { jobId: task.jobId, taskId: task.taskId, workerId: this.identity.id, attempt: job.attemptsMade + 1 };
    const report = { ...log, trace: currentTraceCarrier() };
    if (task.kind !== 'cleanup' && (await this.jobIsOver(task.jobId))) {
      await this.events.publish({ ...report, type: 'failed', error: 'skipped: the job was already over' });
      return 'skipped';
    }
    this.logger.log({ msg: 'task started', ...log, kind: task.kind, language: task.language });
    // `started` travels while the task runs (it is off the answer's path);
    // awaiting it before `completed` keeps the two in order.
    const started = this.events.publish({ ...report, type: 'started' });
    started.catch(() => undefined);
    try {
      const result = await this.runTask(task);
      await started;
      await this.events.publish({ ...report, type: 'completed', result });
      this.logger.log({ msg: 'task finished', ...log, verdict: (result.compile ?? result.run)?.verdict ?? null });
      return 'completed';
    } catch (error) {
      if (error instanceof SandboxKilledError) {
        await this.events.publish({ ...report, type: 'failed', error: 'cancelled' });
        this.logger.log({ msg: 'task cancelled', ...log });
        return 'cancelled';
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.warn({ msg: lastAttempt ? 'task failed' : 'task attempt failed, will retry', ...log, error: (error as Error).message });
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
