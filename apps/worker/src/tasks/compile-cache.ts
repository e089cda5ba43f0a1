import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { CompileCacheRepository, JobScratchRepository } from '@kiln/store';
import { LanguageDefinition, ReportedStage } from '@kiln/tasks';
import { AgentFile } from '../agent/agent-session';
import { SandboxRuntime } from '../sandbox/sandbox-runtime';
import { JobArtifact } from './job-scratch.store';
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

/**
 * Identical compilations reuse the first one's result: same language and
 * version, same runtime image (its source hash, or its id), same compiler
 * command, environment and limits, same files byte for byte. Entries live in
 * Redis (CompileCacheRepository, shared by every worker), expire after worker.compileCache.ttlSeconds
 * without use, and are bounded by bytes (maxMb, all entries together; maxEntryMb
 * each) and by count (maxEntries), the least recently used going first. Only
 * deterministic outcomes are kept: a success (with its artifact) and a
 * compiler's own error, never a compile stopped by a limit.
 */
@Injectable()
export class CompileCache {
  private readonly logger = new Logger(CompileCache.name);

  constructor(
    private readonly entries: CompileCacheRepository,
    private readonly scratch: JobScratchRepository,
    private readonly config: KilnConfig,
    private readonly runtime: SandboxRuntime,
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
  async restore(key: string, artifact: JobArtifact): Promise<ReportedStage | null> {
    if (!this.settings.enabled) return null;
    try {
      const stage = await this.entries.stage(key);
      if (stage === null) return null;
      if (stage.verdict === 'OK' && !(await this.entries.restoreArtifact(key, artifact))) return null;
      await this.entries.touch(key, stage.verdict === 'OK', this.settings.ttlSeconds);
      return stage;
    } catch (error) {
      this.logger.warn(`compile cache lookup failed, compiling: ${(error as Error).message}`);
      return null;
    }
  }

  /** Keeps a compilation's result; `artifact` is the job's artifact when it succeeded. */
  async store(key: string, stage: ReportedStage, artifact: JobArtifact | null): Promise<void> {
    if (!this.settings.enabled) return;
    try {
      const artifactBytes = artifact === null ? 0 : await this.scratch.artifactBytes(artifact.jobId, artifact.program);
      const bytes = Buffer.byteLength(JSON.stringify(stage)) + artifactBytes + ENTRY_OVERHEAD_BYTES;
      if (bytes > this.settings.maxEntryMb * MiB || bytes > this.settings.maxMb * MiB) return;
      if (!(await this.entries.write(key, stage, artifact, bytes))) return;
      await this.entries.touch(key, artifact !== null, this.settings.ttlSeconds);
      await this.evict();
    } catch (error) {
      this.logger.warn(`could not store a compile cache entry: ${(error as Error).message}`);
    }
  }

  /** Forgets entries unused for the TTL and, past maxMb or maxEntries, the least recently used ones. */
  private async evict(): Promise<void> {
    for (const key of await this.entries.unusedSince(Date.now() - this.settings.ttlSeconds * 1000)) await this.entries.forget(key);
    const maxBytes = this.settings.maxMb * MiB;
    while ((await this.entries.bytes()) > maxBytes || (await this.entries.count()) > this.settings.maxEntries) {
      const victim = await this.entries.popLeastRecent();
      if (victim === undefined) return;
      await this.entries.forget(victim);
    }
  }
}
