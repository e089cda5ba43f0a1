import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { CompiledProgram, JobInput } from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';
import { JobRepository } from './job.repository';

/** One of a job's compile artifacts: its program's, or (`program: 'checker'`) its checker's. */
export interface JobArtifactRef {
  readonly jobId: string;
  readonly program?: CompiledProgram;
}

/** Artifacts are read in pieces of this size, so Redis never holds a whole one in a reply buffer. */
const ARTIFACT_READ_BYTES = 1024 * 1024;

/**
 * A job's scratch data, what its tasks pass to each other: the program's
 * input (written with the job record) and the compile artifacts that carry
 * a compiled program (and a compiled custom checker, `program: 'checker'`)
 * to the run tasks (which may run on another machine), each one opaque blob.
 * All are deleted when the job ends and again by its cleanup; an artifact
 * also expires jobs.deadlineMs after it is written.
 */
@Injectable()
export class JobScratchRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly jobs: JobRepository,
    private readonly config: KilnConfig,
  ) {}

  /** The job's input; null once it is gone (the job expired or ended). */
  async readInput(jobId: string): Promise<JobInput | null> {
    const raw = await this.redis.get(this.keys.jobInput(jobId));
    return raw === null ? null : (JSON.parse(raw) as JobInput);
  }

  /**
   * Stores the artifact if the job is still live; false: it is over, nothing
   * is kept. (The write comes first and the check after it, so a compile that
   * ends as its job ends leaves nothing: either the check sees the end, or
   * cleanup, which runs after the end, deletes it.)
   */
  async saveArtifact(jobId: string, blob: Buffer, program?: CompiledProgram): Promise<boolean> {
    await this.redis.set(this.keys.jobArtifact(jobId, program), blob, 'PX', this.config.jobs.deadlineMs);
    return this.keepArtifactIfLive(jobId, program);
  }

  /** The artifact, read in pieces; null when it was never stored or went meanwhile (cleanup, expiry). */
  async readArtifact(jobId: string, program?: CompiledProgram): Promise<Buffer | null> {
    const key = this.keys.jobArtifact(jobId, program);
    const size = await this.redis.strlen(key);
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < size; offset += ARTIFACT_READ_BYTES) {
      pieces.push(await this.redis.getrangeBuffer(key, offset, Math.min(size, offset + ARTIFACT_READ_BYTES) - 1));
    }
    const blob = Buffer.concat(pieces);
    // A short read is no artifact either.
    const missing = size === 0 ? !(await this.redis.exists(key)) : blob.length !== size;
    return missing ? null : blob;
  }

  async artifactBytes(jobId: string, program?: CompiledProgram): Promise<number> {
    return this.redis.strlen(this.keys.jobArtifact(jobId, program));
  }

  async deleteScratch(jobId: string): Promise<void> {
    await this.redis.del(...this.keys.jobScratch(jobId));
  }

  /** Keeps the job's artifact only if the job is still live; true if it was. */
  async keepArtifactIfLive(jobId: string, program?: CompiledProgram): Promise<boolean> {
    if (await this.jobs.isLive(jobId)) return true;
    await this.redis.del(this.keys.jobArtifact(jobId, program));
    return false;
  }
}
