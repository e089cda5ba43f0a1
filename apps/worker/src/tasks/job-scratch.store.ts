import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { JobInput, JobState, RedisKeys } from '@kiln/tasks';
import { decodeFileFrame, FrameDecoder, encodeFileFrame } from '../agent/agent-frames';
import { AgentFile } from '../agent/agent-session';

/** The input is gone: the job expired or was cleaned up before this task ran. */
export class MissingInputError extends Error {}

/** Artifacts are read in pieces of this size, so Redis never holds a whole one in a reply buffer. */
const ARTIFACT_READ_BYTES = 1024 * 1024;
const LIVE_STATES = new Set<string>([JobState.PENDING, JobState.SCHEDULED, JobState.RUNNING]);

/**
 * Job-scoped data a worker reads and writes in Redis: the program's input and
 * the compile artifact that carries a compiled program to the run tasks (which
 * may run on another machine). The coordinator deletes both when the job
 * ends and cleanup again, after success, failure, cancellation or the
 * deadline alike; an artifact is at most sandbox.artifactMaxMb (the agent
 * collects no more) and expires jobs.deadlineMs after it is written, cleanup
 * or not.
 */
@Injectable()
export class JobScratchStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {}

  async readInput(jobId: string): Promise<JobInput> {
    const raw = await this.redis.get(this.keys.jobInput(jobId));
    if (raw === null) throw new MissingInputError(`the input of job ${jobId} is no longer stored`);
    return JSON.parse(raw) as JobInput;
  }

  /** Where the job's compile artifact is kept (the compile cache copies it out of there). */
  artifactKey(jobId: string): string {
    return this.keys.jobArtifact(jobId);
  }

  /**
   * Stored in the agent's own file-frame format: one encoding for the wire and
   * the store. False: the job is over, nothing is kept. (The write comes
   * first and the check after it, so a compile that ends as its job ends
   * leaves nothing: either the check sees the end, or cleanup, which runs
   * after the end, deletes it.)
   */
  async saveArtifact(jobId: string, files: AgentFile[]): Promise<boolean> {
    const blob = Buffer.concat(files.map((f) => encodeFileFrame(f.name, f.content, f.mode)));
    await this.redis.set(this.keys.jobArtifact(jobId), blob, 'PX', this.config.jobs.deadlineMs);
    return this.keepIfLive(jobId);
  }

  /** The artifact copied (inside Redis) from `source`, e.g. a compile cache entry. False: no source, or the job is over. */
  async copyArtifact(jobId: string, source: string): Promise<boolean> {
    const artifact = this.keys.jobArtifact(jobId);
    if (!(await this.redis.copy(source, artifact, 'REPLACE'))) return false;
    await this.redis.pexpire(artifact, this.config.jobs.deadlineMs);
    return this.keepIfLive(jobId);
  }

  async readArtifact(jobId: string): Promise<AgentFile[]> {
    const key = this.keys.jobArtifact(jobId);
    const size = await this.redis.strlen(key);
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < size; offset += ARTIFACT_READ_BYTES) {
      pieces.push(await this.redis.getrangeBuffer(key, offset, Math.min(size, offset + ARTIFACT_READ_BYTES) - 1));
    }
    const blob = Buffer.concat(pieces);
    // Never stored, or gone meanwhile (cleanup, expiry): a short read is no artifact either.
    const missing = size === 0 ? !(await this.redis.exists(key)) : blob.length !== size;
    if (missing) throw new MissingInputError(`the compiled program of job ${jobId} is no longer stored`);
    const decoder = new FrameDecoder(blob.length + 16);
    return decoder.push(blob).map((frame) => decodeFileFrame(frame.payload));
  }

  async deleteScratch(jobId: string): Promise<void> {
    await this.redis.del(...this.keys.jobScratch(jobId));
  }

  /** Keeps the job's artifact only if the job is still live; true if it was. */
  private async keepIfLive(jobId: string): Promise<boolean> {
    const state = await this.redis.hget(this.keys.job(jobId), 'state');
    if (state !== null && LIVE_STATES.has(state)) return true;
    await this.redis.del(this.keys.jobArtifact(jobId));
    return false;
  }
}
