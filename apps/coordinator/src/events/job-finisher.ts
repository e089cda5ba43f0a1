import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { JobEventLog, REDIS } from '@kiln/redis';
import { isTerminalJobState, JobRecord, RedisKeys, TaskState } from '@kiln/tasks';
import { JobFinish, JobStore } from '../jobs/job-store';
import { TaskQueue } from '../queue/task-queue';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { KeyAdmission } from '../tenancy/key-admission';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';

/**
 * The cleanup waits this long in the queue, so that its processing (and its
 * events) does not compete with delivering the job's answer; sandboxes of a
 * cancelled job are killed at once through the cancel channel anyway.
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
    private readonly store: JobStore,
    private readonly queue: TaskQueue,
    private readonly keys: RedisKeys,
    private readonly events: JobEventLog,
    private readonly webhooks: WebhookDispatcher,
    private readonly metrics: CoordinatorMetrics,
    private readonly admission: KeyAdmission,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async finish(job: JobRecord, finish: JobFinish): Promise<boolean> {
    const applied = await this.store.finish(job.meta.id, finish);
    await this.settle(job.meta.id);
    return applied;
  }

  async settle(jobId: string): Promise<void> {
    const job = await this.store.get(jobId);
    if (!job || !isTerminalJobState(job.state)) return;
    const skipped = await this.skipUnstarted(job);
    if (skipped.length) await this.queue.withdraw(job.meta, skipped);
    // The input and artifact (up to sandbox.artifactMaxMb) go at once, before
    // the answer is read: a task still running has read them, a later one is
    // skipped. Cleanup deletes them again, with the sandboxes.
    await this.redis.del(...this.keys.jobScratch(jobId));
    // Waiters before the cleanup: it is not part of the answer.
    if (!job.announced) {
      await this.announceEnd(job);
      await this.store.markAnnounced(jobId);
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
      await this.store.transitionTask(job.meta.id, { ...job.tasks[task.id], state: TaskState.SKIPPED });
    }
    return unstarted.map((task) => task.id);
  }

  private async ensureCleanup(job: JobRecord): Promise<void> {
    const cleanup = job.meta.plan.find((task) => task.kind === 'cleanup');
    if (!cleanup || job.tasks[cleanup.id]?.state !== TaskState.PENDING) return;
    await this.queue.enqueue(job.meta, [cleanup], { delayMs: CLEANUP_DELAY_MS });
    await this.store.transitionTask(job.meta.id, { id: cleanup.id, kind: 'cleanup', state: TaskState.QUEUED });
  }

  /**
   * Tells every SSE client, every coordinator's waiters and the job's webhook
   * that the job ended. Repeated only after a crash before `announced` was
   * recorded: the webhook's queue id dedupes it, SSE clients stop at the first end.
   */
  private async announceEnd(job: JobRecord): Promise<void> {
    const jobId = job.meta.id;
    await this.events.append(jobId, { type: 'state', state: job.state, verdict: job.verdict });
    await this.redis.publish(this.keys.jobDoneChannel(), jobId);
    if (job.meta.webhook) await this.webhooks.dispatch(jobId, job.meta.webhook, job.meta.owner);
  }
}
