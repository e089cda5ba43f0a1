import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { JobEventLog, REDIS } from '@kiln/redis';
import { JobRecord, JobState, RedisKeys, TaskState, Verdict } from '@kiln/tasks';
import { JobFinish, JobStore } from '../jobs/job-store';
import { TaskQueue } from '../queue/task-queue';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';

/**
 * Ends jobs: the terminal transition (once), the cleanup task (always, and
 * re-ensured on every later event so a crash between the two loses nothing),
 * and the wake-up of every coordinator's waiters.
 */
@Injectable()
export class JobFinisher {
  constructor(
    private readonly store: JobStore,
    private readonly queue: TaskQueue,
    private readonly keys: RedisKeys,
    private readonly events: JobEventLog,
    private readonly webhooks: WebhookDispatcher,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async finish(job: JobRecord, finish: JobFinish): Promise<boolean> {
    const applied = await this.store.finish(job.meta.id, finish);
    if (applied) await this.skipUnstarted(job);
    await this.ensureCleanup(job);
    if (applied) await this.announceEnd(job, finish.state, finish.verdict);
    return applied;
  }

  /** Tasks that will never run (after a compile error, a failure or a cancel) say so. */
  async skipUnstarted(job: JobRecord): Promise<string[]> {
    const unstarted = job.meta.plan.filter(
      (task) => task.kind !== 'cleanup' && [TaskState.PENDING, TaskState.QUEUED].includes(job.tasks[task.id].state),
    );
    for (const task of unstarted) {
      await this.store.transitionTask(job.meta.id, { ...job.tasks[task.id], state: TaskState.SKIPPED });
    }
    return unstarted.map((task) => task.id);
  }

  async ensureCleanup(job: JobRecord): Promise<void> {
    const cleanup = job.meta.plan.find((task) => task.kind === 'cleanup');
    if (!cleanup || job.tasks[cleanup.id]?.state !== TaskState.PENDING) return;
    await this.queue.enqueue(job.meta, [cleanup]);
    await this.store.transitionTask(job.meta.id, { id: cleanup.id, kind: 'cleanup', state: TaskState.QUEUED });
  }

  /** Tells every SSE client, every coordinator's waiters and the job's webhook that the job ended. */
  async announceEnd(job: JobRecord, state: JobState, verdict: Verdict | null): Promise<void> {
    const jobId = job.meta.id;
    await this.events.append(jobId, { type: 'state', state, verdict });
    await this.redis.publish(this.keys.jobDoneChannel(), jobId);
    if (job.meta.webhook) await this.webhooks.dispatch(jobId, job.meta.webhook);
  }
}
