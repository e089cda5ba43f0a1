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
 * Writes the job's artifact only while the job is live, so that a compile
 * finishing after its job ended (cancelled, past its deadline) leaves nothing
 * behind once cleanup has run. ARGV[1] 'set' with the blob in ARGV[3], or
 * 'copy' from KEYS[3]; ARGV[2] the time to live in ms.
 */
const WRITE_ARTIFACT_WHILE_LIVE = `
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'PENDING' and state ~= 'SCHEDULED' and state ~= 'RUNNING' then return 0 end
if ARGV[1] == 'set' then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
  return 1
end
if redis.call('COPY', KEYS[3], KEYS[2], 'REPLACE') == 0 then return 0 end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`;

/**
 * Job-scoped data a worker reads and writes in Redis: the program's input and
 * the compile artifact that carries a compiled program to the run tasks (which
 * may run on another machine). Cleanup deletes both, after success, failure,
 * cancellation or the deadline alike; an artifact is at most
 * sandbox.artifactMaxMb (the agent collects no more) and never outlives
 * jobs.deadlineMs, cleanup or not.
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

  /** Stored in the agent's own file-frame format: one encoding for the wire and the store. False: the job is over, nothing stored. */
  async saveArtifact(jobId: string, files: AgentFile[]): Promise<boolean> {
    const blob = Buffer.concat(files.map((f) => encodeFileFrame(f.name, f.content, f.mode)));
    return this.writeWhileLive(jobId, 'set', blob);
  }

  /** The artifact copied (inside Redis) from `source`, e.g. a compile cache entry. False: no source, or the job is over. */
  async copyArtifact(jobId: string, source: string): Promise<boolean> {
    return this.writeWhileLive(jobId, 'copy', '', source);
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

  private async writeWhileLive(jobId: string, mode: 'set' | 'copy', blob: Buffer | string, source?: string): Promise<boolean> {
    const keys = [this.keys.job(jobId), this.keys.jobArtifact(jobId), source ?? this.keys.jobArtifact(jobId)];
    const written = await this.redis.eval(WRITE_ARTIFACT_WHILE_LIVE, keys.length, ...keys, mode, String(this.config.jobs.deadlineMs), blob);
    return written === 1;
  }
}
