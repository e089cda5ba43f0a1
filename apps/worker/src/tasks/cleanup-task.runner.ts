import { Injectable } from '@nestjs/common';
import { TaskPayload, TaskResult } from '@kiln/tasks';
import { SandboxRuntime } from '../sandbox/sandbox-runtime';
import { JobScratchStore } from './job-scratch.store';

/**
 * Runs last in every job, after success, failure or cancellation: removes the
 * job's scratch data and kills any sandbox of the job still alive here. (A
 * sandbox on another machine is removed by the worker that made it.)
 */
@Injectable()
export class CleanupTaskRunner {
  constructor(
    private readonly scratch: JobScratchStore,
    private readonly sandboxes: SandboxRuntime,
  ) {}

  async run(task: TaskPayload): Promise<TaskResult> {
    await this.sandboxes.killOwner(task.jobId);
    await this.scratch.deleteScratch(task.jobId);
    return {};
  }
}
