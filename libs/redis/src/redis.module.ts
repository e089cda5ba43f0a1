import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { RedisGoneAtShutdown } from './redis-gone-at-shutdown';
import { closeRedis, createRedis } from './redis-connection';
import { RedisHealth } from './redis-health';
import { REDIS, REDIS_SUBSCRIBER } from './redis.tokens';

/**
 * The command connection and the pub/sub connection, for libs/store (the
 * only code that reads or writes Kiln's data), and RedisHealth for whoever
 * must know whether Redis answers.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    RedisGoneAtShutdown,
    RedisHealth,
    // Auto-pipelining: the commands of one event-loop turn leave in one write,
    // fewer syscalls per job under load (docs/performance.md).
    { provide: REDIS, inject: [KilnConfig], useFactory: (c: KilnConfig) => createRedis(c.redis.url, 'kiln', { enableAutoPipelining: true }) },
    {
      provide: REDIS_SUBSCRIBER,
      inject: [KilnConfig],
      // No ready check: ioredis sends SUBSCRIBE while it is still connecting, and the
      // INFO of a ready check behind it is refused in subscriber mode, which drops
      // the connection it just subscribed (a reconnect at every start).
      useFactory: (c: KilnConfig) => createRedis(c.redis.url, 'kiln-subscriber', { enableReadyCheck: false }),
    },
  ],
  exports: [REDIS, REDIS_SUBSCRIBER, RedisHealth],
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
