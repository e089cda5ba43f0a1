import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { JobStreamEvent } from '@kiln/tasks';
import { ChannelSubscriptions } from '../channel-subscriptions';
import { RedisKeys } from '../redis-keys';

/** At most this many entries are kept per job; output is capped far below anyway. */
const MAX_ENTRIES = 5000;

export interface LoggedEvent {
  id: string;
  event: JobStreamEvent;
}

/**
 * A job's ordered event log: a capped Redis stream for replay plus a pub/sub
 * notification carrying the same entry for live listeners. Written by the
 * coordinator (states) and the worker (output); read by the SSE endpoint.
 * It expires with the job record (jobs.retentionSeconds after its last entry).
 */
@Injectable()
export class JobEventsRepository {
  private readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly channels: ChannelSubscriptions,
    config: KilnConfig,
  ) {
    this.ttlSeconds = config.jobs.retentionSeconds;
  }

  async append(jobId: string, event: JobStreamEvent): Promise<void> {
    const key = this.keys.jobEvents(jobId);
    const payload = JSON.stringify(event);
    const id = await this.redis.xadd(key, 'MAXLEN', '~', String(MAX_ENTRIES), '*', 'e', payload);
    await this.redis
      .multi()
      .expire(key, this.ttlSeconds)
      .publish(this.keys.jobEventsChannel(jobId), JSON.stringify({ id, event }))
      .exec();
  }

  async history(jobId: string): Promise<LoggedEvent[]> {
    const entries = await this.redis.xrange(this.keys.jobEvents(jobId), '-', '+');
    return entries.map(([id, fields]) => ({ id, event: JSON.parse(fields[1]) as JobStreamEvent }));
  }

  /**
   * Delivers the job's entries as they are appended, from now on (history
   * gives the earlier ones); resolves once listening. Returns the way to stop.
   */
  follow(jobId: string, listener: (logged: LoggedEvent) => void): Promise<() => Promise<void>> {
    return this.channels.listen(this.keys.jobEventsChannel(jobId), (_channel, message) => listener(JSON.parse(message) as LoggedEvent));
  }
}

/** Whether log entry `a` comes after entry `b` (ids are `<ms>-<seq>`). */
export function loggedAfter(a: string, b: string): boolean {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs > bMs || (aMs === bMs && aSeq > bSeq);
}
