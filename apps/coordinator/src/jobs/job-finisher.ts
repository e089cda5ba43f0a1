import { Injectable, Logger } from '@nestjs/common';
import { isTerminalJobState, JobFinish, JobRecord, TaskState } from '@kiln/tasks';
import { JobEventsRepository, JobRepository, JobScratchRepository, JobSignalsRepository } from '@kiln/store';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { TaskQueue } from '../queues/task-queue';
import { KeyAdmission } from '../tenancy/key-admission';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';

/**
 * The cleanup waits this long in the queue, so that its processing (and its
 * events) does not compete with delivering the job's answer; sandboxes of a
 * cancelled job are killed at once through the cancel signal anyway.
 */
const CLEANUP_DELAY_MS = 250;

/**
 * Ends jobs: the terminal transition (once), then `settle`, which does what a
 * finished job still needs — skip its unstarted tasks, give its tasks back to
 * its key's share, enqueue cleanup, announce the end — each step idempotent and re-run on every later event, so
 * a coordinator that dies between two steps loses nothing.
 */
@Injectable()
export class JobFinisher {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly jobs: JobRepository,
    private readonly scratch: JobScratchRepository,
    private readonly events: JobEventsRepository,
    private readonly signals: JobSignalsRepository,
    private readonly queue: TaskQueue,
    private readonly webhooks: WebhookDispatcher,
    private readonly metrics: CoordinatorMetrics,
    private readonly admission: KeyAdmission,
  ) {}

  /** Ends a job whose tasks decided it (see job-progression.ts). */
  async finish(job: JobRecord, finish: JobFinish): Promise<boolean> {
    const applied = await this.jobs.finish(job.meta.id, finish);
    await this.settle(job.meta.id);
    return applied;
  }

  /**
   * Ends a live job from outside its tasks (a cancel, its deadline): the
   * terminal transition, then every worker is told to kill the job's
   * sandboxes, then settle. False, and nothing done, when it had already ended.
   */
  async stop(jobId: string, finish: JobFinish): Promise<boolean> {
    if (!(await this.jobs.finish(jobId, finish))) return false;
    await this.signals.cancel(jobId);
    await this.settle(jobId);
    return true;
  }

  async settle(jobId: string): Promise<void> {
    const job = await this.jobs.get(jobId);
    if (!job || !isTerminalJobState(job.state)) return;
    const skipped = await this.skipUnstarted(job);
    if (skipped.length) await this.queue.withdraw(job.meta, skipped);
    // The input and artifact (up to sandbox.artifactMaxMb) go at once, before
    // the answer is read: a task still running has read them, a later one is
    // skipped. Cleanup deletes them again, with the sandboxes.
    await this.scratch.deleteScratch(jobId);
    // Waiters before the cleanup: it is not part of the answer.
    if (!job.announced) {
      await this.announceEnd(job);
      await this.jobs.markAnnounced(jobId);
      this.metrics.jobFinished(job);
      this.logger.log({ msg: 'job finished', jobId, state: job.state, verdict: job.verdict, ...(job.error ? { error: job.error } : {}) });
    }
    await this.admission.ended(job.meta);
    await this.ensureCleanup(job);
  }

  /** Tasks that will never run (after a compile error, a failure or a cancel) say so. */
  private async skipUnstarted(job: JobRecord): Promise<string[]> {
    const unstarted = job.meta.plan.filter(
      (task) => task.kind !== 'cleanup' && [TaskState.PENDING, TaskState.QUEUED].includes(job.tasks[task.id].state),
    );
    for (const task of unstarted) {
      await this.jobs.transitionTask(job.meta.id, { ...job.tasks[task.id], state: TaskState.SKIPPED });
    }
    return unstarted.map((task) => task.id);
  }

  private async ensureCleanup(job: JobRecord): Promise<void> {
    const cleanup = job.meta.plan.find((task) => task.kind === 'cleanup');
    if (!cleanup || job.tasks[cleanup.id]?.state !== TaskState.PENDING) return;
    await this.queue.enqueue(job.meta, [cleanup], { delayMs: CLEANUP_DELAY_MS });
    await this.jobs.transitionTask(job.meta.id, { id: cleanup.id, kind: 'cleanup', state: TaskState.QUEUED });
  }

  /**
   * Tells every SSE client, every coordinator's waiters and the job's webhook
   * that the job ended. Repeated only after a crash before `announced` was
   * recorded: the webhook's queue id dedupes it, SSE clients stop at the first end.
   */
  private async announceEnd(job: JobRecord): Promise<void> {
    const jobId = job.meta.id;
    await this.events.append(jobId, { type: 'state', state: job.state, verdict: job.verdict });
    await this.signals.ended(jobId);
    if (job.meta.webhook) await this.webhooks.dispatch(jobId, job.meta.webhook, job.meta.owner);
  }
}
