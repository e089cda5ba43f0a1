import { Injectable } from '@nestjs/common';
import { JobArtifactRef, JobScratchRepository } from '@kiln/store';
import { JobInput } from '@kiln/tasks';
import { decodeFileFrame, FrameDecoder, encodeFileFrame } from '../agent/agent-frames';
import { AgentFile } from '../agent/agent-session';

/** The input is gone: the job expired or was cleaned up before this task ran. */
export class MissingInputError extends Error {}

/** A job's stored compile artifact (its program's or its checker's), as the compile cache is handed it (where it is stored is libs/store's business). */
export type JobArtifact = JobArtifactRef;

/**
 * The worker's side of a job's scratch data (JobScratchRepository): the
 * program's input, and the compile artifact that carries a compiled program
 * to the run tasks (which may run on another machine), stored in the agent's
 * own file-frame format: one encoding for the wire and the store. The
 * coordinator deletes both when the job ends and cleanup again, after
 * success, failure, cancellation or the deadline alike; an artifact is at
 * most sandbox.artifactMaxMb (the agent collects no more) and expires
 * jobs.deadlineMs after it is written, cleanup or not.
 */
@Injectable()
export class JobScratchStore {
  constructor(private readonly scratch: JobScratchRepository) {}

  /** The input, or null once it is gone (the job expired or ended). */
  findInput(jobId: string): Promise<JobInput | null> {
    return this.scratch.readInput(jobId);
  }

  /** False: the job is over, nothing is kept. */
  saveArtifact({ jobId, program }: JobArtifact, files: AgentFile[]): Promise<boolean> {
    return this.scratch.saveArtifact(jobId, Buffer.concat(files.map((f) => encodeFileFrame(f.name, f.content, f.mode))), program);
  }

  async readArtifact({ jobId, program }: JobArtifact): Promise<AgentFile[]> {
    const blob = await this.scratch.readArtifact(jobId, program);
    if (blob === null) throw new MissingInputError(`the compiled ${program ?? 'program'} of job ${jobId} is no longer stored`);
    const decoder = new FrameDecoder(blob.length + 16);
    return decoder.push(blob).map((frame) => decodeFileFrame(frame.payload));
  }

  deleteScratch(jobId: string): Promise<void> {
    return this.scratch.deleteScratch(jobId);
  }
}

/** The input read for a job, which must be there (its task is about to run). */
export function inputOrFail(jobId: string, input: JobInput | null): JobInput {
  if (input === null) throw new MissingInputError(`the input of job ${jobId} is no longer stored`);
  return input;
}
