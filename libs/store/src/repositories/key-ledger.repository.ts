import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { JobMeta } from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';

/**
 * Reserves a request's tasks for its key if they fit, all or nothing. Each
 * entry is "<tasks>@<reserved at, ms>" (Redis's clock, the same for every
 * coordinator); the sum is taken inside the script, so concurrent requests
 * of one key can never overshoot together.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = 0
for _, entry in ipairs(redis.call('HVALS', KEYS[1])) do held = held + tonumber(string.match(entry, '^%d+')) end
local requested = 0
for i = 4, #ARGV, 2 do requested = requested + tonumber(ARGV[i]) end
if held + requested > tonumber(ARGV[1]) then return {0, held} end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. '@' .. now) end
redis.call('SADD', KEYS[2], ARGV[2])
return {1, held}`;

/** Gives back jobs' tasks; forgets the key once it holds none. */
const RELEASE = `
local released = redis.call('HDEL', KEYS[1], unpack(ARGV, 2))
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return released`;

/** Job ids per RELEASE call (Lua's unpack has a bounded stack). */
const RELEASE_CHUNK = 500;

export type Reservation = { granted: true } | { granted: false; held: number; requested: number };

export interface LedgerEntry {
  jobId: string;
  tasks: number;
  reservedAt: number;
}

/**
 * How many tasks each API key has in Kiln (coordinator.perKey.maxTasks): a
 * job's compile and run tasks are reserved, in Redis, before it is stored,
 * and given back when it ends (the coordinator's JobFinisher.settle); its
 * KeyTaskLedgerAudit gives back what a crash between those steps left behind.
 */
@Injectable()
export class KeyLedgerRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async reserve(keyId: string, jobs: JobMeta[], maxTasks: number): Promise<Reservation> {
    const pairs = jobs.flatMap((meta) => [meta.id, String(countedTasks(meta))]);
    const [granted, held] = (await this.redis.eval(RESERVE, 2, this.keys.keyTasks(keyId), this.keys.keysWithTasks(), maxTasks, keyId, ...pairs)) as [number, number];
    return granted === 1 ? { granted: true } : { granted: false, held, requested: jobs.reduce((sum, meta) => sum + countedTasks(meta), 0) };
  }

  /** Gives back the jobs' tasks (idempotent); returns how many jobs held some. */
  async release(keyId: string, jobIds: string[]): Promise<number> {
    let released = 0;
    for (let first = 0; first < jobIds.length; first += RELEASE_CHUNK) {
      const chunk = jobIds.slice(first, first + RELEASE_CHUNK);
      released += (await this.redis.eval(RELEASE, 2, this.keys.keyTasks(keyId), this.keys.keysWithTasks(), keyId, ...chunk)) as number;
    }
    return released;
  }

  /** Redis's clock, ms: the one reservations are stamped with. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** Key ids that hold tasks. */
  holders(): Promise<string[]> {
    return this.redis.smembers(this.keys.keysWithTasks());
  }

  async entries(keyId: string): Promise<LedgerEntry[]> {
    const hash = await this.redis.hgetall(this.keys.keyTasks(keyId));
    return Object.entries(hash).map(([jobId, entry]) => {
      const [tasks, reservedAt] = entry.split('@').map(Number);
      return { jobId, tasks, reservedAt };
    });
  }
}

/** The tasks of a job that count against its key: compile and run (cleanup is Kiln's own housekeeping). */
export function countedTasks(meta: Pick<JobMeta, 'plan'>): number {
  return meta.plan.filter((task) => task.kind !== 'cleanup').length;
}
