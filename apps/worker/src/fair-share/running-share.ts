import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { RunningShareRepository, ShareHolder, TaskQueueRepository } from '@kiln/store';
import { TaskPayload } from '@kiln/tasks';
import { QueueSlots } from './queue-slots';

/** Parked tasks tried per freed slot (one may have been cancelled or have come back by itself). */
const PROMOTE_TRIES = 3;

/**
 * worker.perKey.runningShare: one API key's compile and run tasks hold at
 * most its share of a queue's slots, so the others stay free for other keys.
 *
 * A slot is a lease per key and queue (RunningShareRepository: it ends at a
 * time by Redis's clock), taken atomically before the task runs,
 * renewed while it runs, given back when it ends. A worker killed with
 * SIGKILL gives nothing back: its leases end worker.lockDurationMs later,
 * when BullMQ also hands its tasks to another worker, so a count never leaks.
 *
 * A task over its key's share is parked: moved back to BullMQ's delayed set
 * (it stays in Redis, its attempts untouched) and noted per key. When one of
 * the key's tasks ends, the worker promotes the task parked longest ago; the
 * delay itself (worker.lockDurationMs, jittered) brings a parked task back
 * even when that promotion is lost to a crash.
 */
@Injectable()
export class RunningShare implements OnApplicationShutdown {
  private readonly logger = new Logger(RunningShare.name);
  private readonly leases = new Map<string, ShareHolder>();
  private readonly renewal: NodeJS.Timeout;
  private readonly leaseMs: number;

  constructor(
    private readonly share: RunningShareRepository,
    private readonly queues: TaskQueueRepository,
    private readonly slots: QueueSlots,
    private readonly config: KilnConfig,
  ) {
    this.leaseMs = config.worker.lockDurationMs;
    this.renewal = setInterval(() => void this.renew(), Math.floor(this.leaseMs / 3));
    this.renewal.unref();
  }

  /**
   * Takes a running slot of the task's key; false when the key has none
   * free, and then the task has been parked (the caller throws BullMQ's
   * DelayedError). Tasks without a key, and cleanups, never wait for one.
   */
  async claim(job: Job<TaskPayload>, token: string | undefined): Promise<boolean> {
    const { owner, kind, queue } = job.data;
    if (!owner || kind === 'cleanup' || this.config.worker.perKey.runningShare >= 1 || !job.id) return true;
    const taken = await this.take(job.id, owner, queue).catch((error: Error) => {
      // Fairness is not worth a task: without an answer from Redis the task runs, uncounted.
      this.logger.warn(`could not take a running slot, running the task uncounted: ${error.message}`);
      return true;
    });
    if (!taken) await this.park(job, owner, token);
    return taken;
  }

  /** The task ended (however): its slot goes to the key's task parked longest ago. Never throws. */
  async release(job: Job<TaskPayload>): Promise<void> {
    const lease = job.id ? this.leases.get(job.id) : undefined;
    if (!lease || !job.id) return;
    this.leases.delete(job.id);
    try {
      await this.share.release(lease, job.id);
      await this.promoteParked(lease);
    } catch (error) {
      this.logger.warn(`could not give back a running slot (its lease ends by itself): ${(error as Error).message}`);
    }
  }

  /** After every task has ended (TaskQueueConsumer waits for them in onModuleDestroy). */
  onApplicationShutdown(): void {
    clearInterval(this.renewal);
  }

  private async take(id: string, owner: string, queue: string): Promise<boolean> {
    const limit = await this.slots.runningLimit(queue);
    if (!(await this.share.claim({ owner, queue }, id, limit, this.leaseMs))) return false;
    this.leases.set(id, { owner, queue });
    return true;
  }

  private async park(job: Job<TaskPayload>, owner: string, token: string | undefined): Promise<void> {
    await job.moveToDelayed(Date.now() + this.leaseMs * (1 + Math.random() / 2), token);
    // Only a hint for promotion (the delay brings the task back anyway): a failure here must not fail the task.
    await this.share.park({ owner, queue: job.data.queue }, job.id!, 4 * this.leaseMs).catch((error: Error) => {
      this.logger.warn(`could not note a parked task: ${error.message}`);
    });
    this.logger.debug({ msg: 'task over its key share, parked', jobId: job.data.jobId, taskId: job.data.taskId });
  }

  private async promoteParked(lease: ShareHolder): Promise<void> {
    for (let tries = 0; tries < PROMOTE_TRIES; tries++) {
      const id = await this.share.nextParked(lease, 2 * this.leaseMs);
      if (!id) return;
      if (await this.queues.promote(lease.queue, id)) return;
    }
  }

  private async renew(): Promise<void> {
    const byHolder = new Map<string, { holder: ShareHolder; tasks: string[] }>();
    for (const [task, lease] of this.leases) {
      const key = `${lease.owner}\n${lease.queue}`;
      const entry = byHolder.get(key) ?? { holder: lease, tasks: [] };
      entry.tasks.push(task);
      byHolder.set(key, entry);
    }
    for (const { holder, tasks } of byHolder.values()) {
      await this.share.renew(holder, tasks, this.leaseMs).catch((error: Error) => this.logger.warn(`could not renew running slots: ${error.message}`));
    }
  }
}
