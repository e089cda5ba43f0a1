import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { ChannelSubscriptions } from '../channel-subscriptions';
import { RedisKeys } from '../redis-keys';

type JobListener = (jobId: string) => void;

/**
 * The two broadcasts about jobs (pub/sub, nothing stored): "kill this job's
 * sandboxes" (to every worker) and "this job has ended" (to every
 * coordinator's waiters). A process that is not listening misses them; each
 * has a slower path that does not depend on them (cleanup, re-reading the job).
 */
@Injectable()
export class JobSignalsRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly channels: ChannelSubscriptions,
  ) {}

  async cancel(jobId: string): Promise<void> {
    await this.redis.publish(this.keys.cancelChannel(), jobId);
  }

  /** Resolves once listening. */
  async onCancel(listener: JobListener): Promise<void> {
    await this.channels.listen(this.keys.cancelChannel(), (_channel, jobId) => listener(jobId));
  }

  async ended(jobId: string): Promise<void> {
    await this.redis.publish(this.keys.jobDoneChannel(), jobId);
  }

  /** Resolves once listening. */
  async onEnded(listener: JobListener): Promise<void> {
    await this.channels.listen(this.keys.jobDoneChannel(), (_channel, jobId) => listener(jobId));
  }
}
