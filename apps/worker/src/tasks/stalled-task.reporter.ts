import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { TaskPayload } from '@kiln/tasks';
import { WorkerIdentity } from '../identity/worker-identity';
import { TaskEventPublisher } from './task-event.publisher';

/**
 * A task BullMQ failed without running it. One whose workers were lost while
 * they ran it (killed, or hung past their lock) more than
 * worker.maxStalledCount times is marked to fail, and the next consumer to
 * take it fails it at once, before any processor runs
 * (node_modules/bullmq/dist/cjs/classes/worker.js, `deferredFailure`). No
 * attempt of Kiln's saw it end, so this says it, as the last attempt's
 * failure would (task.processor.ts): the job ends now, not at its deadline.
 */
@Injectable()
export class StalledTaskReporter {
  private readonly logger = new Logger(StalledTaskReporter.name);

  constructor(
    private readonly config: KilnConfig,
    private readonly identity: WorkerIdentity,
    private readonly events: TaskEventPublisher,
  ) {}

  /** BullMQ's `failed` event of the worker's consumers: only the failures it decided alone are reported here. */
  async failed(job: Job<TaskPayload> | undefined, error: Error): Promise<void> {
    if (!job || !failedUnrun(job, error)) return;
    const task = job.data;
    const lost = `its worker was lost while it ran, more often than worker.maxStalledCount (${this.config.worker.maxStalledCount}) allows`;
    this.logger.warn({ msg: 'task failed', jobId: task.jobId, taskId: task.taskId, workerId: this.identity.id, error: `${lost} (${error.message})` });
    // Without its kind the report is merged over the stored task, which keeps when the lost attempt began.
    await this.events.publish({ type: 'failed', jobId: task.jobId, taskId: task.taskId, workerId: this.identity.id, attempt: job.attemptsMade + 1, error: lost });
  }
}

/** BullMQ's own failure of a task it never handed to the processor. */
function failedUnrun(job: Job<TaskPayload>, error: Error): boolean {
  return Boolean(job.deferredFailure) && error.name === 'UnrecoverableError' && error.message === job.deferredFailure;
}
