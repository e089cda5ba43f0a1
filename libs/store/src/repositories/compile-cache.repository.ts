import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { ReportedStage } from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';
import { JobArtifactRef, JobScratchRepository } from './job-scratch.repository';

/** Records an entry's size and keeps the total in step (KEYS: sizes, total; ARGV: entry, bytes). */
const RECORD_SIZE = `
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('INCRBY', KEYS[2], tonumber(ARGV[2]) - old)`;

/** Forgets an entry, its keys and its size, once (KEYS: index, sizes, total, stage, artifact; ARGV: entry). */
const FORGET_ENTRY = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[4], KEYS[5])
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DECRBY', KEYS[3], tonumber(old))
return 1`;

/**
 * The compile cache's entries (shared by every worker), by entry key (a hash
 * of the compilation): the stored compile stage, the artifact of a
 * successful one, an index by last use and the bytes of each entry and of
 * all together. What to keep and evict is the worker's CompileCache.
 */
@Injectable()
export class CompileCacheRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scratch: JobScratchRepository,
    private readonly config: KilnConfig,
  ) {}

  async stage(entry: string): Promise<ReportedStage | null> {
    const raw = await this.redis.get(this.keys.compileCacheStage(entry));
    return raw === null ? null : (JSON.parse(raw) as ReportedStage);
  }

  /**
   * The entry's artifact copied (inside Redis) to the job's, expiring like
   * one the job wrote itself. False: the entry has none, or the job is over.
   */
  async restoreArtifact(entry: string, { jobId, program }: JobArtifactRef): Promise<boolean> {
    const artifact = this.keys.jobArtifact(jobId, program);
    if (!(await this.redis.copy(this.keys.compileCacheArtifact(entry), artifact, 'REPLACE'))) return false;
    await this.redis.pexpire(artifact, this.config.jobs.deadlineMs);
    return this.scratch.keepArtifactIfLive(jobId, program);
  }

  /**
   * Stores an entry of `bytes` (as the cache counts them): its stage, and the
   * job's artifact `artifactOf` when it has one. False: that artifact is gone.
   */
  async write(entry: string, stage: ReportedStage, artifactOf: JobArtifactRef | null, bytes: number): Promise<boolean> {
    const source = artifactOf && this.keys.jobArtifact(artifactOf.jobId, artifactOf.program);
    if (source && !(await this.redis.copy(source, this.keys.compileCacheArtifact(entry), 'REPLACE'))) return false;
    await this.redis.set(this.keys.compileCacheStage(entry), JSON.stringify(stage));
    await this.redis.eval(RECORD_SIZE, 2, this.keys.compileCacheSizes(), this.keys.compileCacheBytes(), entry, String(bytes));
    return true;
  }

  /** Marks the entry used now and restarts its time to live. */
  async touch(entry: string, withArtifact: boolean, ttlSeconds: number): Promise<void> {
    const pipeline = this.redis.multi().zadd(this.keys.compileCacheIndex(), Date.now(), entry).expire(this.keys.compileCacheStage(entry), ttlSeconds);
    if (withArtifact) pipeline.expire(this.keys.compileCacheArtifact(entry), ttlSeconds);
    await pipeline.exec();
  }

  /** Bytes of all entries together, as the cache counts them. */
  async bytes(): Promise<number> {
    return Number((await this.redis.get(this.keys.compileCacheBytes())) ?? 0);
  }

  async count(): Promise<number> {
    return this.redis.zcard(this.keys.compileCacheIndex());
  }

  /** Entries last used before `ms` (epoch). */
  unusedSince(ms: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.compileCacheIndex(), '-inf', ms);
  }

  /** Takes the least recently used entry off the index (then forget it); undefined when there is none. */
  async popLeastRecent(): Promise<string | undefined> {
    const [entry] = await this.redis.zpopmin(this.keys.compileCacheIndex(), 1);
    return entry;
  }

  async forget(entry: string): Promise<void> {
    const keys = [
      this.keys.compileCacheIndex(),
      this.keys.compileCacheSizes(),
      this.keys.compileCacheBytes(),
      this.keys.compileCacheStage(entry),
      this.keys.compileCacheArtifact(entry),
    ];
    await this.redis.eval(FORGET_ENTRY, keys.length, ...keys, entry);
  }
}
