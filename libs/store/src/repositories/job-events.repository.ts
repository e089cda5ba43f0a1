import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { JobStreamEvent } from '@kiln/tasks';
import { ChannelSubscriptions } from '../channel-subscriptions';
import { RedisKeys } from '../redis-keys';
import { StoreScript } from '../scripts/store-script';

/** At most this many entries are kept per job; output is capped far below anyway. */
const MAX_ENTRIES = 5000;

/**
 * Lua: `append_to_log(log, channel, maxEntries, ttlSeconds, payload)` appends
 * one entry (a JobStreamEvent's JSON) to a job's event log, renews the log's
 * expiry and publishes `{"id": <entry id>, "event": <entry>}` on the job's
 * channel, in one step. Scripts that change a job and log the change in the
 * same step (JobRepository's) start with it; their arguments come from
 * JobEventsRepository.entry.
 */
export const APPEND_TO_LOG_LUA = `
local function append_to_log(log, channel, max_entries, ttl, payload)
  local id = redis.call('XADD', log, 'MAXLEN', '~', max_entries, '*', 'e', payload)
  redis.call('EXPIRE', log, ttl)
  redis.call('PUBLISH', channel, '{"id":"' .. id .. '","event":' .. payload .. '}')
end
`;

const APPEND = new StoreScript('kilnAppendToLog', 1, `${APPEND_TO_LOG_LUA}
append_to_log(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1`);

/** One log entry as a script appends it: the log's key, then append_to_log's other four arguments. */
export interface LogEntry {
  key: string;
  args: [channel: string, maxEntries: string, ttlSeconds: string, payload: string];
}

/** The entry as APPEND_TO_LOG_LUA's append_to_log takes it; the log lives `ttlSeconds` (jobs.retentionSeconds) after it. */
export function logEntry(keys: RedisKeys, ttlSeconds: number, jobId: string, event: JobStreamEvent): LogEntry {
  return {
    key: keys.jobEvents(jobId),
    args: [keys.jobEventsChannel(jobId), String(MAX_ENTRIES), String(ttlSeconds), JSON.stringify(event)],
  };
}

export interface LoggedEvent {
  id: string;
  event: JobStreamEvent;
}

/**
 * A job's ordered event log: a capped Redis stream for replay plus a pub/sub
 * notification carrying the same entry for live listeners. Written by the
 * coordinator (states, through JobRepository's transitions), the worker
 * (output; its task's start, through JobRepository.startTask); read by the
 * SSE endpoint.
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
    StoreScript.define(redis, [APPEND]);
  }

  /** Appends the entry and tells live listeners, in one round trip. */
  async append(jobId: string, event: JobStreamEvent): Promise<void> {
    const { key, args } = logEntry(this.keys, this.ttlSeconds, jobId, event);
    await APPEND.run(this.redis, [key], args);
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
