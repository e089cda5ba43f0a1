import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { RedisKeys } from '@kiln/tasks';
import { JobEventLog } from './job-event-log';
import { RedisGoneAtShutdown } from './redis-gone-at-shutdown';
import { closeRedis, createRedis } from './redis-connection';
import { REDIS, REDIS_SUBSCRIBER } from './redis.tokens';

/** The command connection, the pub/sub connection and the key names, for every module. */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    RedisGoneAtShutdown,
    // Auto-pipelining: the commands of one event-loop turn leave in one write,
    // fewer syscalls per job under load (docs/performance.md).
    { provide: REDIS, inject: [KilnConfig], useFactory: (c: KilnConfig) => createRedis(c.redis.url, 'kiln', { enableAutoPipelining: true }) },
    {
      provide: REDIS_SUBSCRIBER,
      inject: [KilnConfig],
      useFactory: (c: KilnConfig) => createRedis(c.redis.url, 'kiln-subscriber'),
    },
    { provide: RedisKeys, inject: [KilnConfig], useFactory: (c: KilnConfig) => new RedisKeys(c.redis.prefix) },
    {
      provide: JobEventLog,
      inject: [REDIS, RedisKeys, KilnConfig],
      useFactory: (redis: Redis, keys: RedisKeys, c: KilnConfig) => new JobEventLog(redis, keys, c.jobs.retentionSeconds),
    },
  ],
  exports: [REDIS, REDIS_SUBSCRIBER, RedisKeys, JobEventLog],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([closeRedis(this.redis), closeRedis(this.subscriber)]);
  }
}
