import { Logger } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { RedisHealth } from '@kiln/redis';
import { RequestCountRepository } from '@kiln/store';

/** What a storage answers for one request (@nestjs/throttler does not export its name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The rate limit's storage: one count per caller in Redis, shared by every
 * coordinator of the deployment, so the limit is the setting however many
 * coordinators stand behind a load balancer. While Redis is unreachable this
 * coordinator counts in its own memory instead: the limit still holds per
 * process, and a request is neither refused nor held up for want of a count.
 */
export class SharedRequestCounts implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new ThrottlerStorageService();
  private countingLocally = false;

  constructor(
    private readonly counts: RequestCountRepository,
    private readonly redis: RedisHealth,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (this.redis.connected()) {
      try {
        const { count, windowLeftMs } = await this.counts.count(key, ttl);
        this.countingLocally = false;
        return recordOf(count, windowLeftMs, limit);
      } catch (error) {
        this.fallBack((error as Error).message);
      }
    } else this.fallBack('Redis is not connected');
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  private fallBack(why: string): void {
    if (this.countingLocally) return;
    this.countingLocally = true;
    this.logger.warn(`counting requests in this process until Redis answers again (${why})`);
  }
}

/** The throttler's view of a shared count: over the limit, the caller waits for the window's end. */
function recordOf(count: number, windowLeftMs: number, limit: number): ThrottlerStorageRecord {
  const secondsLeft = Math.max(1, Math.ceil(windowLeftMs / 1000));
  const isBlocked = count > limit;
  return { totalHits: count, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
}
