import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { EndedSessionState, SessionMeta, SessionRecord, SessionState } from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';

/**
 * A new session, its key's slot taken in the same step. KEYS: session, live
 * sessions, the owner's sessions. ARGV: meta JSON, owner ('' none), worker
 * instance, now, deadline, the owner's most (0: no limit), record TTL after
 * the deadline (ms), id. Answers {1, held} made, {0, 0} id taken, {-1, held}
 * the owner holds its most.
 */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
local held = 0
if ARGV[2] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[4])
  held = redis.call('ZCARD', KEYS[3])
  if tonumber(ARGV[6]) > 0 and held >= tonumber(ARGV[6]) then return {-1, held} end
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[8])
  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[3], last[2])
end
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'state', 'starting', 'owner', ARGV[2], 'instance', ARGV[3], 'lastUsedAt', ARGV[4], 'retentionMs', ARGV[7])
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[5]) + tonumber(ARGV[7]))
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[8])
return {1, held + 1}`;

/** starting -> ready, by the worker instance that holds it. KEYS: session. ARGV: instance, disk MiB, now. */
const READY = `
if redis.call('HGET', KEYS[1], 'state') ~= 'starting' or redis.call('HGET', KEYS[1], 'instance') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'ready', 'diskMb', ARGV[2], 'lastUsedAt', ARGV[3])
return 1`;

/** A request was served: the idle time starts again. KEYS: session. ARGV: now. */
const TOUCH = `
if redis.call('HGET', KEYS[1], 'state') ~= 'ready' then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1`;

/**
 * A live session ends once: its state, why and when; it is kept for the
 * retention it was made with, and leaves the live set and its owner's. KEYS:
 * session, live sessions, the owner's sessions. ARGV: state, reason, now, id,
 * the worker instance it must be held by ('' any).
 */
const END = `
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'starting' and state ~= 'ready' then return 0 end
if ARGV[5] ~= '' and redis.call('HGET', KEYS[1], 'instance') ~= ARGV[5] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'endReason', ARGV[2], 'endedAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], redis.call('HGET', KEYS[1], 'retentionMs'))
redis.call('ZREM', KEYS[2], ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[4])
return 1`;

export type SessionCreation = { outcome: 'created'; held: number } | { outcome: 'id-taken' } | { outcome: 'owner-full'; held: number };

/** The key of the owner's sessions; an ownerless session (keys off) names one that is never used. */
const NO_OWNER = '-';

/**
 * Sessions' records (docs/sessions.md): made by a coordinator (with their
 * owner's slot, within coordinator.sessions.maxPerKey), made ready and
 * touched by the worker that holds their sandbox, ended once by whoever ends
 * them (that worker; a coordinator when the worker is gone or the deadline
 * passed). An ended record stays for the retention, so later calls learn why.
 */
@Injectable()
export class SessionRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * `maxPerOwner`: the owner's most live sessions (null: no limit).
   * `retentionMs`: how long the record outlives the session (after its end, or its deadline).
   */
  async create(meta: SessionMeta, maxPerOwner: number | null, retentionMs: number): Promise<SessionCreation> {
    const keys = this.keysOf(meta);
    const [code, held] = (await this.redis.eval(
      CREATE,
      keys.length,
      ...keys,
      JSON.stringify(meta),
      meta.owner ?? '',
      meta.workerInstance,
      String(meta.createdAt),
      String(meta.deadline),
      String(maxPerOwner ?? 0),
      String(retentionMs),
      meta.id,
    )) as [number, number];
    if (code === 1) return { outcome: 'created', held };
    return code === 0 ? { outcome: 'id-taken' } : { outcome: 'owner-full', held };
  }

  async get(id: string): Promise<SessionRecord | null> {
    const fields = await this.redis.hgetall(this.keys.session(id));
    if (!fields.meta) return null;
    return {
      meta: JSON.parse(fields.meta) as SessionMeta,
      state: fields.state as SessionState,
      lastUsedAt: Number(fields.lastUsedAt),
      ...(fields.diskMb ? { diskMb: Number(fields.diskMb) } : {}),
      ...(fields.endedAt ? { endedAt: Number(fields.endedAt) } : {}),
      ...(fields.endReason ? { endReason: fields.endReason } : {}),
    };
  }

  /** The worker instance that holds the sandbox says it is ready; false when the session is no longer starting (or not its). */
  async markReady(id: string, workerInstance: string, diskMb: number, now = Date.now()): Promise<boolean> {
    return (await this.redis.eval(READY, 1, this.keys.session(id), workerInstance, String(diskMb), String(now))) === 1;
  }

  async touch(id: string, now = Date.now()): Promise<boolean> {
    return (await this.redis.eval(TOUCH, 1, this.keys.session(id), String(now))) === 1;
  }

  /**
   * Ends a live session (true: this call ended it). `heldBy`: only if that
   * worker instance holds it (a worker ends its own sessions, never one a
   * coordinator gave to another).
   */
  async end(meta: SessionMeta, state: EndedSessionState, reason: string, heldBy?: string): Promise<boolean> {
    const keys = this.keysOf(meta);
    const args = [state, reason, String(Date.now()), meta.id, heldBy ?? ''];
    return (await this.redis.eval(END, keys.length, ...keys, ...args)) === 1;
  }

  /** A session that never became ready (its worker refused it, or did not answer): no trace of it, its owner's slot given back. */
  async discard(meta: SessionMeta): Promise<void> {
    const [session, live, owner] = this.keysOf(meta);
    await this.redis.multi().del(session).zrem(live, meta.id).zrem(owner, meta.id).exec();
  }

  /** Every live session with its deadline (epoch ms), for the sweeper. */
  async live(): Promise<{ id: string; deadline: number }[]> {
    const flat = await this.redis.zrange(this.keys.liveSessions(), 0, -1, 'WITHSCORES');
    const live: { id: string; deadline: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) live.push({ id: flat[i], deadline: Number(flat[i + 1]) });
    return live;
  }

  /** A live-set entry whose record is gone (expired) or already ended. */
  async forgetLive(id: string): Promise<void> {
    await this.redis.zrem(this.keys.liveSessions(), id);
  }

  private keysOf(meta: SessionMeta): string[] {
    return [this.keys.session(meta.id), this.keys.liveSessions(), this.keys.keySessions(meta.owner ?? NO_OWNER)];
  }
}
