import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS, redisOptions } from '@kiln/redis';
import { RedisKeys, TaskPayload, taskQueueName } from '@kiln/tasks';
import { QueueSlots } from './queue-slots';

/** Redis's clock in ms: every worker judges leases by the same clock. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Takes a running slot of the key if it has one free: expired leases (a
 * worker that died without giving its slot back) are dropped first, a task
 * that already holds a lease (redelivered after a stall) keeps it.
 */
const CLAIM = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
return 1`;

/**
 * Extends this worker's leases that still exist (XX: a renewal racing with a
 * release must not bring the released lease back).
 */
const RENEW = `${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[1]))
return 1`;

const PARK = `${NOW}
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`;

/** The task parked longest ago, after dropping entries so old that their delay has surely run out. */
const NEXT_PARKED = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
local next = redis.call('ZPOPMIN', KEYS[1])
return next[1]`;

/** Parked tasks tried per freed slot (one may have been cancelled or have come back by itself). */
const PROMOTE_TRIES = 3;

interface Lease {
  key: string;
  owner: string;
  queue: string;
}

/**
 * worker.perKey.runningShare: one API key's compile and run tasks hold at
 * most its share of a queue's slots, so the others stay free for other keys.
 *
 * A slot is a lease in a Redis sorted set per key and queue (member: the
 * task, score: when the lease ends), taken atomically before the task runs,
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
  private readonly leases = new Map<string, Lease>();
  private readonly queues = new Map<string, Queue<TaskPayload>>();
  private readonly renewal: NodeJS.Timeout;
  private readonly leaseMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly slots: QueueSlots,
    private readonly config: KilnConfig,
  ) {
    this.leaseMs = config.worker.lockDurationMs;
    const connection = { ...redisOptions(config.redis.url, 'kiln-worker-share'), maxRetriesPerRequest: null };
    for (const name of config.worker.queues) {
      this.queues.set(name, new Queue<TaskPayload>(taskQueueName(name), { connection, prefix: config.redis.prefix }));
    }
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
      await this.redis.zrem(lease.key, job.id);
      await this.promoteParked(lease);
    } catch (error) {
      this.logger.warn(`could not give back a running slot (its lease ends by itself): ${(error as Error).message}`);
    }
  }

  /** After every task has ended (TaskQueueConsumer waits for them in onModuleDestroy). */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.renewal);
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
  }

  private async take(id: string, owner: string, queue: string): Promise<boolean> {
    const key = this.keys.keyRunning(owner, queue);
    const limit = await this.slots.runningLimit(queue);
    if ((await this.redis.eval(CLAIM, 1, key, id, limit, this.leaseMs)) !== 1) return false;
    this.leases.set(id, { key, owner, queue });
    return true;
  }

  private async park(job: Job<TaskPayload>, owner: string, token: string | undefined): Promise<void> {
    await job.moveToDelayed(Date.now() + this.leaseMs * (1 + Math.random() / 2), token);
    // Only a hint for promotion (the delay brings the task back anyway): a failure here must not fail the task.
    await this.redis.eval(PARK, 1, this.keys.keyParked(owner, job.data.queue), job.id!, 4 * this.leaseMs).catch((error: Error) => {
      this.logger.warn(`could not note a parked task: ${error.message}`);
    });
    this.logger.debug({ msg: 'task over its key share, parked', jobId: job.data.jobId, taskId: job.data.taskId });
  }

  private async promoteParked({ owner, queue }: Lease): Promise<void> {
    for (let tries = 0; tries < PROMOTE_TRIES; tries++) {
      const id = (await this.redis.eval(NEXT_PARKED, 1, this.keys.keyParked(owner, queue), 2 * this.leaseMs)) as string | null;
      if (!id) return;
      const parked = await this.queues.get(queue)?.getJob(id);
      if (parked && (await parked.isDelayed())) {
        const promoted = await parked.promote().then(() => true, () => false);
        if (promoted) return;
      }
    }
  }

  private async renew(): Promise<void> {
    const byKey = new Map<string, string[]>();
    for (const [member, lease] of this.leases) byKey.set(lease.key, [...(byKey.get(lease.key) ?? []), member]);
    for (const [key, members] of byKey) {
      await this.redis.eval(RENEW, 1, key, this.leaseMs, ...members).catch((error: Error) => this.logger.warn(`could not renew running slots: ${error.message}`));
    }
  }
}
