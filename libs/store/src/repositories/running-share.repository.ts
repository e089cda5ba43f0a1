import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { RedisKeys } from '../redis-keys';

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
 * Extends leases that still exist (XX: a renewal racing with a release must
 * not bring the released lease back).
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

/** Whose slot a lease is: one API key's tasks on one queue. */
export interface ShareHolder {
  owner: string;
  queue: string;
}

/**
 * The running share's bookkeeping (worker.perKey.runningShare), per API key
 * and queue: the leases of its running tasks (a sorted set, scored by when
 * each lease ends by Redis's clock) and the tasks parked for being over the
 * share (scored by when). Members are the tasks' BullMQ job ids.
 */
@Injectable()
export class RunningShareRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Takes a lease of `leaseMs` for the task if the holder has fewer than `limit`; true if it has one now. */
  async claim({ owner, queue }: ShareHolder, task: string, limit: number, leaseMs: number): Promise<boolean> {
    return (await this.redis.eval(CLAIM, 1, this.keys.keyRunning(owner, queue), task, limit, leaseMs)) === 1;
  }

  async release({ owner, queue }: ShareHolder, task: string): Promise<void> {
    await this.redis.zrem(this.keys.keyRunning(owner, queue), task);
  }

  /** Extends the holder's leases of these tasks by `leaseMs` from now. */
  async renew({ owner, queue }: ShareHolder, tasks: string[], leaseMs: number): Promise<void> {
    await this.redis.eval(RENEW, 1, this.keys.keyRunning(owner, queue), leaseMs, ...tasks);
  }

  /** Notes the task as parked; the note is forgotten after `keepMs`. */
  async park({ owner, queue }: ShareHolder, task: string, keepMs: number): Promise<void> {
    await this.redis.eval(PARK, 1, this.keys.keyParked(owner, queue), task, keepMs);
  }

  /** Takes the task parked longest ago, ignoring notes older than `maxAgeMs`; null when none is left. */
  async nextParked({ owner, queue }: ShareHolder, maxAgeMs: number): Promise<string | null> {
    return (await this.redis.eval(NEXT_PARKED, 1, this.keys.keyParked(owner, queue), maxAgeMs)) as string | null;
  }
}
