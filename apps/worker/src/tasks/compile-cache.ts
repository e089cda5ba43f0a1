import { Inject, Injectable, Logger } from '@nestjs/common';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { LanguageDefinition, RedisKeys, StageResult } from '@kiln/tasks';
import { AgentFile } from '../agent/agent-session';
import { CollectOptions } from './workspace-collector';

/** What a compilation's output depends on. */
export interface Compilation {
  language: LanguageDefinition;
  argv: string[];
  env: Record<string, string>;
  files: AgentFile[];
  /** How the agent collects the workspace into the artifact (other options may keep other files). */
  collect: CollectOptions;
  /** How the stage result is written (output encoding, combined output...): part of what is stored. */
  stageOptions: object;
}

/** Image identities are looked up at most this often per image. */
const IMAGE_IDENTITY_TTL_MS = 30_000;
const MiB = 1024 * 1024;

/**
 * Identical compilations reuse the first one's result: same language and
 * version, same runtime image (its source hash, or its id), same compiler
 * command and environment, same files byte for byte. Entries live in Redis
 * (shared by every worker), expire after worker.compileCache.ttlSeconds and
 * are bounded by maxEntries, the least recently used going first. Only
 * deterministic outcomes are kept: a success (with its artifact) and a
 * compiler's own error, never a compile stopped by a limit.
 */
@Injectable()
export class CompileCache {
  private readonly logger = new Logger(CompileCache.name);
  private readonly images = new Map<string, { identity: string; until: number }>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
    private readonly docker: Docker,
  ) {}

  private get settings() {
    return this.config.worker.compileCache;
  }

  async keyOf(compilation: Compilation): Promise<string> {
    const { language, argv, env, files, collect, stageOptions } = compilation;
    const hash = createHash('sha256');
    const image = await this.imageIdentity(language.image);
    const material = { language: language.id, version: language.version, image, argv, env, collect, stageOptions };
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
  async restore(key: string, artifactKey: string): Promise<StageResult | null> {
    if (!this.settings.enabled) return null;
    try {
      const raw = await this.redis.get(this.keys.compileCacheStage(key));
      if (raw === null) return null;
      const stage = JSON.parse(raw) as StageResult;
      if (stage.verdict === 'OK') {
        const copied = await this.redis.copy(this.keys.compileCacheArtifact(key), artifactKey, 'REPLACE');
        if (!copied) return null;
        await this.redis.expire(artifactKey, this.config.jobs.retentionSeconds);
      }
      await this.touch(key, stage.verdict === 'OK');
      return stage;
    } catch (error) {
      this.logger.warn(`compile cache lookup failed, compiling: ${(error as Error).message}`);
      return null;
    }
  }

  /** Keeps a compilation's result; `artifactKey` holds its artifact when it succeeded. */
  async store(key: string, stage: StageResult, artifactKey: string | null): Promise<void> {
    if (!this.settings.enabled) return;
    try {
      if (artifactKey !== null) {
        const size = await this.redis.strlen(artifactKey);
        if (size > this.settings.maxEntryMb * MiB) return;
        await this.redis.copy(artifactKey, this.keys.compileCacheArtifact(key), 'REPLACE');
      }
      await this.redis.set(this.keys.compileCacheStage(key), JSON.stringify(stage));
      await this.touch(key, artifactKey !== null);
      await this.evict();
    } catch (error) {
      this.logger.warn(`could not store a compile cache entry: ${(error as Error).message}`);
    }
  }

  /** Marks the entry used now and restarts its time to live. */
  private async touch(key: string, withArtifact: boolean): Promise<void> {
    const ttl = this.settings.ttlSeconds;
    const pipeline = this.redis.multi().zadd(this.keys.compileCacheIndex(), Date.now(), key).expire(this.keys.compileCacheStage(key), ttl);
    if (withArtifact) pipeline.expire(this.keys.compileCacheArtifact(key), ttl);
    await pipeline.exec();
  }

  /** Forgets expired entries and, past maxEntries, the least recently used ones. */
  private async evict(): Promise<void> {
    const index = this.keys.compileCacheIndex();
    await this.redis.zremrangebyscore(index, '-inf', Date.now() - this.settings.ttlSeconds * 1000);
    const excess = (await this.redis.zcard(index)) - this.settings.maxEntries;
    if (excess <= 0) return;
    const popped = await this.redis.zpopmin(index, excess);
    const victims = popped.filter((_, i) => i % 2 === 0);
    if (victims.length) {
      await this.redis.del(...victims.flatMap((key) => [this.keys.compileCacheStage(key), this.keys.compileCacheArtifact(key)]));
    }
  }

  /** The image's build source hash (same on every machine that built it from the same sources), else its id. */
  private async imageIdentity(image: string): Promise<string> {
    const known = this.images.get(image);
    if (known && known.until > Date.now()) return known.identity;
    const info = await this.docker.getImage(image).inspect().catch(() => null);
    // A missing image can't compile anything: the task fails later, saying so.
    if (!info) return `missing:${image}`;
    const identity = info.Config?.Labels?.['kiln.source-hash'] ?? info.Id;
    this.images.set(image, { identity, until: Date.now() + IMAGE_IDENTITY_TTL_MS });
    return identity;
  }
}
