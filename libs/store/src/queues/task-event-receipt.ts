import { RedisKeys } from '../redis-keys';

/** The consumer group every coordinator reads the task events through. */
export const EVENT_GROUP = 'coordinators';

/**
 * Lua: `acknowledge(stream, applied, applied_minute, id)` acknowledges an
 * applied event, deletes it (it is never needed again) and counts it.
 */
export const ACKNOWLEDGE_LUA = `
local function acknowledge(stream, applied, applied_minute, id)
  redis.call('XACK', stream, '${EVENT_GROUP}', id)
  redis.call('XDEL', stream, id)
  redis.call('INCR', applied)
  redis.call('INCR', applied_minute)
  redis.call('EXPIRE', applied_minute, 7200)
end
`;

/** The keys `acknowledge` writes, in its order: the stream, the applied count and this minute's. */
export function acknowledgeKeys(keys: RedisKeys, now = Date.now()): string[] {
  return [keys.taskEvents(), keys.taskEventsApplied(), keys.taskEventsApplied(Math.floor(now / 60_000))];
}

/**
 * One task event as delivered to this coordinator (its stream entry). The
 * step that finishes applying it may acknowledge it in its own script
 * (JobRepository.end, when nothing is left to do after the end), atomically
 * with what it applied; the consumer then does not acknowledge it again.
 */
export class TaskEventReceipt {
  acknowledged = false;

  constructor(readonly entryId: string) {}
}
