import { Injectable, Logger } from '@nestjs/common';
import { isTerminalJobState, JobFinish, JobRecord, TaskState } from '@kiln/tasks';
import { JobEventsRepository, JobRepository, JobScratchRepository, JobSignalsRepository, TaskEventReceipt } from '@kiln/store';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { TaskQueue } from '../queues/task-queue';
import { KeyAdmission } from '../tenancy/key-admission';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { cleanupTask, mayLeaveSandboxes, unstartedTasks } from './job-leftovers';
import { JobWaiters } from './job-waiters';

/**
 * The cleanup waits this long in the queue, so that its processing (and its
 * events) does not compete with delivering the job's answer; sandboxes of a
 * cancelled job are killed at once through the cancel signal anyway.
 */
const CLEANUP_DELAY_MS = 250;

/**
 * Ends jobs. A job its tasks decided ends in one step of the store
 * (JobRepository.end: terminal state, skipped tasks, expiry, scratch data
 * deleted, the end logged and signalled to every coordinator's waiters),
 * after its unstarted tasks are withdrawn from the queue (a request here
 * waiting for it is answered from that step's own read) and before what
 * the store cannot do: queue the webhook, give the key's tasks back, queue
 * cleanup where a sandbox may still be alive. `settle` does all of that
 * again, each step idempotent, on every later event of the job, so a
 * coordinator that dies between two steps loses nothing.
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
    private readonly waiters: JobWaiters,
  ) {}

  /**
   * Ends a job whose tasks decided it (see job-progression.ts); false when
   * it had ended already. When nothing is left to do after the end step (no
   * webhook to queue, no key's tasks to give back, no cleanup to queue), it
   * acknowledges the event that decided the end (`receipt`) in that step.
   */
  async finish(job: JobRecord, finish: JobFinish, receipt?: TaskEventReceipt): Promise<boolean> {
    const unstarted = unstartedTasks(job);
    // Before the end: a crash in between leaves the job live, and the retried event withdraws them again.
    if (unstarted.length) await this.queue.withdraw(job.meta, unstarted.map((task) => task.id));
    const leavesSandboxes = mayLeaveSandboxes(job);
    const cleanup = leavesSandboxes ? null : cleanupTask(job);
    const skipped = cleanup ? [...unstarted, cleanup] : unstarted;
    const withOutputs = this.waiters.isWaitedFor(job.meta.id);
    const nothingAfterTheEnd = !job.meta.webhook && !job.meta.owner && !leavesSandboxes;
    const acknowledging = nothingAfterTheEnd ? receipt : undefined;
    const ended = await this.jobs.end(job, { finish, skipped, announced: !job.meta.webhook, withOutputs, acknowledging });
    if (!ended) {
      await this.settle(job.meta.id);
      return false;
    }
    if (withOutputs) this.waiters.answer(ended);
    if (job.meta.webhook) {
      await this.webhooks.dispatch(job.meta.id, job.meta.webhook, job.meta.owner);
      await this.jobs.markAnnounced(job.meta.id);
    }
    this.ended(ended);
    await this.admission.ended(job.meta);
    await this.ensureCleanup(ended);
    return true;
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
      this.ended(job);
    }
    await this.admission.ended(job.meta);
    await this.ensureCleanup(job);
  }

  private ended(job: JobRecord): void {
    this.metrics.jobFinished(job);
    const { id: jobId } = job.meta;
    this.logger.log({ msg: 'job finished', jobId, state: job.state, verdict: job.verdict, ...(job.error ? { error: job.error } : {}) });
  }

  /** Tasks that will never run (after a compile error, a failure or a cancel) say so. */
  private async skipUnstarted(job: JobRecord): Promise<string[]> {
    const unstarted = unstartedTasks(job);
    await Promise.all(unstarted.map((task) => this.jobs.transitionTask(job.meta.id, { ...task, state: TaskState.SKIPPED })));
    return unstarted.map((task) => task.id);
  }

  private async ensureCleanup(job: JobRecord): Promise<void> {
    const cleanup = cleanupTask(job);
    if (!cleanup || cleanup.state !== TaskState.PENDING) return;
    await this.queue.enqueue(job.meta, [{ id: cleanup.id, kind: 'cleanup' }], { delayMs: CLEANUP_DELAY_MS });
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
