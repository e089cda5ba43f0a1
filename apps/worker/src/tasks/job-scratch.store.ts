import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { JobInput, RedisKeys } from '@kiln/tasks';
import { decodeFileFrame, FrameDecoder, encodeFileFrame } from '../agent/agent-frames';
import { AgentFile } from '../agent/agent-session';

/** The input is gone: the job expired or was cleaned up before this task ran. */
export class MissingInputError extends Error {}

/**
 * Job-scoped data a worker reads and writes in Redis: the program's input and
 * the compile artifact that carries a compiled program to the run tasks (which
 * may run on another machine). Cleanup deletes both.
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

  /** Where the job's compile artifact is kept (the compile cache copies it in and out inside Redis). */
  artifactKey(jobId: string): string {
    return this.keys.jobArtifact(jobId);
  }

  /** Stored in the agent's own file-frame format: one encoding for the wire and the store. */
  async saveArtifact(jobId: string, files: AgentFile[]): Promise<void> {
    const blob = Buffer.concat(files.map((f) => encodeFileFrame(f.name, f.content, f.mode)));
    await this.redis.set(this.keys.jobArtifact(jobId), blob, 'EX', this.config.jobs.retentionSeconds);
  }

  async readArtifact(jobId: string): Promise<AgentFile[]> {
    const blob = await this.redis.getBuffer(this.keys.jobArtifact(jobId));
    if (blob === null) throw new MissingInputError(`the compiled program of job ${jobId} is no longer stored`);
    const decoder = new FrameDecoder(blob.length + 16);
    return decoder.push(blob).map((frame) => decodeFileFrame(frame.payload));
  }

  async deleteScratch(jobId: string): Promise<void> {
    await this.redis.del(...this.keys.jobScratch(jobId));
  }
}
