import Redis from 'ioredis';
import { JobStreamEvent, RedisKeys } from '@kiln/tasks';

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
 */
export class JobEventLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds: number,
  ) {}

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
}

/** Stream entry ids are `<ms>-<seq>`; compares them in order. */
export function streamIdAfter(a: string, b: string): boolean {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs > bMs || (aMs === bMs && aSeq > bSeq);
}
