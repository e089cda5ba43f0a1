import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { RedisKeys } from '../redis-keys';
import { StoreScript } from '../scripts/store-script';

/**
 * Counts one request in its caller's window: the window opens at the
 * caller's first request and lasts ARGV[1] ms; requests past the limit are
 * counted too, but never move the window's end, so a caller who keeps
 * knocking is let in again when it ends. Returns the count and the ms left.
 */
const COUNT_REQUEST = new StoreScript(
  'kilnCountRequest',
  1,
  `local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}`,
);

/** A caller's count in the window it is in, and how long that window has left. */
export interface RequestCount {
  count: number;
  windowLeftMs: number;
}

/**
 * The rate limit's counts (coordinator.rateLimit), one per caller for all
 * coordinators of a deployment together, so N coordinators behind a load
 * balancer admit what one would.
 */
@Injectable()
export class RequestCountRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    StoreScript.define(redis, [COUNT_REQUEST]);
  }

  /** Counts a request of `caller` in a window of `windowMs`. */
  async count(caller: string, windowMs: number): Promise<RequestCount> {
    const [count, windowLeftMs] = (await COUNT_REQUEST.run(this.redis, [this.keys.requestCount(caller)], [windowMs])) as [number, number];
    return { count, windowLeftMs };
  }
}
