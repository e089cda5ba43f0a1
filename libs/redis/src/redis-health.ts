import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from './redis.tokens';
import { settledWithin } from './settled-within';

/** Whether Kiln's Redis answers, for the processes that must know (health, shutdown) without holding a client. */
@Injectable()
export class RedisHealth {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** The command connection is up now (no round trip). */
  connected(): boolean {
    return this.redis.status === 'ready';
  }

  /** Redis answers PING (however long that takes). */
  ping(): Promise<boolean> {
    return this.redis.ping().then(
      () => true,
      () => false,
    );
  }

  /** The connection is up and Redis answers PING within `timeoutMs`. */
  async answersWithin(timeoutMs: number): Promise<boolean> {
    if (!this.connected()) return false;
    const ping = this.ping();
    return (await settledWithin(ping, timeoutMs)) && (await ping);
  }
}
