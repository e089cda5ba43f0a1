import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { LanguageDefinition, RedisKeys, ReportedStage } from '@kiln/tasks';
import { AgentFile } from '../agent/agent-session';
import { SandboxRuntime } from '../sandbox/sandbox-runtime';
import { JobScratchStore } from './job-scratch.store';
import { CollectOptions } from './workspace-collector';

/** What a compilation's outcome depends on. */
export interface Compilation {
  language: LanguageDefinition;
  argv: string[];
  env: Record<string, string>;
  files: AgentFile[];
  /** How the agent collects the workspace into the artifact (other options may keep other files). */
  collect: CollectOptions;
  /** How the stage result is written (output encoding, combined output...): part of what is stored. */
  stageOptions: object;
  /** Every limit the compile runs under: a compile that failed under a small one must not answer a larger one. */
  limits: object;
}

const MiB = 1024 * 1024;
/** What an entry costs beside its stage and artifact: its keys, index and size entries. */
const ENTRY_OVERHEAD_BYTES = 512;

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
 * Identical compilations reuse the first one's result: same language and
 * version, same runtime image (its source hash, or its id), same compiler
 * command, environment and limits, same files byte for byte. Entries live in
 * Redis (shared by every worker), expire after worker.compileCache.ttlSeconds
 * without use, and are bounded by bytes (maxMb, all entries together; maxEntryMb
 * each) and by count (maxEntries), the least recently used going first. Only
 * deterministic outcomes are kept: a success (with its artifact) and a
 * compiler's own error, never a compile stopped by a limit.
 */
@Injectable()
export class CompileCache {
  private readonly logger = new Logger(CompileCache.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
    private readonly runtime: SandboxRuntime,
    private readonly scratch: JobScratchStore,
  ) {}

  private get settings() {
    return this.config.worker.compileCache;
  }

  async keyOf(compilation: Compilation): Promise<string> {
    const { language, argv, env, files, collect, stageOptions, limits } = compilation;
    const hash = createHash('sha256');
    const image = await this.runtime.imageIdentity(language.image);
    const material = { language: language.id, version: language.version, image, argv, env, collect, stageOptions, limits };
    hash.update(JSON.stringify(material));
    for (const file of files) {
      hash.update(`\0${file.name}\0${file.mode}\0${file.content.length}\0`).update(file.content);
    }
    return hash.digest('hex');
  }

  /**
   * On a hit: the job's artifact is in place (copied inside Redis) and the
   * stored compile stage is returned. A miss, a disabled cache or any Redis
   * trouble: null, and the caller compiles.
   */
  async restore(key: string, jobId: string): Promise<ReportedStage | null> {
    if (!this.settings.enabled) return null;
    try {
      const raw = await this.redis.get(this.keys.compileCacheStage(key));
      if (raw === null) return null;
      const stage = JSON.parse(raw) as ReportedStage;
      if (stage.verdict === 'OK' && !(await this.scratch.copyArtifact(jobId, this.keys.compileCacheArtifact(key)))) return null;
      await this.touch(key, stage.verdict === 'OK');
      return stage;
    } catch (error) {
      this.logger.warn(`compile cache lookup failed, compiling: ${(error as Error).message}`);
      return null;
    }
  }

  /** Keeps a compilation's result; `artifactKey` holds its artifact when it succeeded. */
  async store(key: string, stage: ReportedStage, artifactKey: string | null): Promise<void> {
    if (!this.settings.enabled) return;
    try {
      const stageJson = JSON.stringify(stage);
      const artifactBytes = artifactKey === null ? 0 : await this.redis.strlen(artifactKey);
      const bytes = Buffer.byteLength(stageJson) + artifactBytes + ENTRY_OVERHEAD_BYTES;
      if (bytes > this.settings.maxEntryMb * MiB || bytes > this.settings.maxMb * MiB) return;
      if (artifactKey !== null && !(await this.redis.copy(artifactKey, this.keys.compileCacheArtifact(key), 'REPLACE'))) return;
      await this.redis.set(this.keys.compileCacheStage(key), stageJson);
      await this.redis.eval(RECORD_SIZE, 2, this.keys.compileCacheSizes(), this.keys.compileCacheBytes(), key, String(bytes));
      await this.touch(key, artifactKey !== null);
      await this.evict();
    } catch (error) {
      this.logger.warn(`could not store a compile cache entry: ${(error as Error).message}`);
    }
  }

  /** Bytes of all entries together, as the cache counts them. */
  async bytes(): Promise<number> {
    return Number((await this.redis.get(this.keys.compileCacheBytes())) ?? 0);
  }

  /** Marks the entry used now and restarts its time to live. */
  private async touch(key: string, withArtifact: boolean): Promise<void> {
    const ttl = this.settings.ttlSeconds;
    const pipeline = this.redis.multi().zadd(this.keys.compileCacheIndex(), Date.now(), key).expire(this.keys.compileCacheStage(key), ttl);
    if (withArtifact) pipeline.expire(this.keys.compileCacheArtifact(key), ttl);
    await pipeline.exec();
  }

  /** Forgets entries unused for the TTL and, past maxMb or maxEntries, the least recently used ones. */
  private async evict(): Promise<void> {
    const index = this.keys.compileCacheIndex();
    for (const key of await this.redis.zrangebyscore(index, '-inf', Date.now() - this.settings.ttlSeconds * 1000)) await this.forget(key);
    const maxBytes = this.settings.maxMb * MiB;
    while ((await this.bytes()) > maxBytes || (await this.redis.zcard(index)) > this.settings.maxEntries) {
      const [victim] = await this.redis.zpopmin(index, 1);
      if (victim === undefined) return;
      await this.forget(victim);
    }
  }

  private async forget(key: string): Promise<void> {
    const keys = [this.keys.compileCacheIndex(), this.keys.compileCacheSizes(), this.keys.compileCacheBytes(), this.keys.compileCacheStage(key), this.keys.compileCacheArtifact(key)];
    await this.redis.eval(FORGET_ENTRY, keys.length, ...keys, key);
  }
}
