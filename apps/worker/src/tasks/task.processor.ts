import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { JobRepository } from '@kiln/store';
import { JobInput, TaskPayload, TaskResult, TaskState } from '@kiln/tasks';
import { currentTraceCarrier, inSpan, SpanKind } from '@kiln/telemetry';
import { RunningShare } from '../fair-share/running-share';
import { WorkerIdentity } from '../identity/worker-identity';
import { TaskOutcome, WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxKilledError } from '../sandbox/sandbox-lease';
import { CleanupTaskRunner } from './cleanup-task.runner';
import { CompileTaskRunner } from './compile-task.runner';
import { inputOrFail, JobScratchStore } from './job-scratch.store';
import { RunTaskRunner } from './run-task.runner';
import { TaskEventPublisher } from './task-event.publisher';
import { TestBatchRunner } from './test-batch.runner';

/** What starting a task finds when its job has ended meanwhile. */
const JOB_OVER = Symbol('job over');

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
    private readonly metrics: WorkerMetrics,
    private readonly share: RunningShare,
    private readonly jobs: JobRepository,
    private readonly scratch: JobScratchStore,
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
    const startedAt = new Date().toISOString();
    const unstarted = { ...log, kind: task.kind, trace: currentTraceCarrier() };
    const input = task.kind === 'cleanup' ? null : await this.start(task, startedAt);
    if (input === JOB_OVER) {
      await this.events.publish({ ...unstarted, type: 'failed', error: 'skipped: the job was already over' });
      return 'skipped';
    }
    // The reports carry the whole task (its kind, when it began): the coordinator records them without reading it first.
    const report = { ...unstarted, startedAt };
    this.logger.log({ msg: 'task started', ...log, kind: task.kind, language: task.language });
    try {
      const result = await this.runTask(task, input, log.attempt);
      await this.events.publish({ ...report, type: 'completed', result });
      this.logger.log({ msg: 'task finished', ...log, verdict: (result.compile ?? result.run)?.verdict ?? null });
      return 'completed';
    } catch (error) {
      if (error instanceof SandboxKilledError) {
        await this.events.publish({ ...report, type: 'failed', stopped: true, error: 'its job was stopped: cancelled, or past its deadline' });
        this.logger.log({ msg: 'task cancelled', ...log });
        return 'cancelled';
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.logger.warn({ msg: lastAttempt ? 'task failed' : 'task attempt failed, will retry', ...log, error: (error as Error).message });
      if (lastAttempt) await this.events.publish({ ...report, type: 'failed', error: (error as Error).message });
      throw error;
    }
  }

  /**
   * Marks the task (and its job) RUNNING, which also says whether the job is
   * still live, and reads its input: one round trip, both commands leaving
   * in one write (the connection pipelines what one turn issues). JOB_OVER:
   * nothing was written and nothing is to run; null: no input is stored.
   */
  private async start(task: TaskPayload, startedAt: string): Promise<JobInput | null | typeof JOB_OVER> {
    const running = { id: task.taskId, kind: task.kind, state: TaskState.RUNNING, startedAt, workerId: this.identity.id };
    const [live, input] = await Promise.all([this.jobs.startTask(task.jobId, running), this.scratch.findInput(task.jobId)]);
    return live ? input : JOB_OVER;
  }

  /** A missing input fails the attempt (MissingInputError) like any failure of Kiln's. */
  private async runTask(task: TaskPayload, input: JobInput | null, attempt: number): Promise<TaskResult> {
    if (task.kind === 'cleanup') return this.cleanup.run(task);
    const stored = inputOrFail(task.jobId, input);
    if (task.kind === 'compile') return this.compile.run(task, stored);
    return task.tests?.length ? this.testBatches.run(task, stored) : this.runs.run(task, stored, attempt);
  }
}
