import { Injectable } from '@nestjs/common';
import { JobRepository, TaskEventReceipt } from '@kiln/store';
import { TaskEvent, TaskOutputs, TaskRecord, TaskState } from '@kiln/tasks';
import { JobAdvancer } from './job-advancer';

/** What a report says of how its task ended. */
export type TaskEnd = Partial<TaskRecord> & { state: TaskState.COMPLETED | TaskState.FAILED | TaskState.CANCELLED };

/**
 * A worker's report that a task ended, recorded and its job advanced: in one
 * round trip the task is written (moved forward only) and the record read
 * back for the next step, so nothing is read twice. A cleanup's end advances
 * nothing.
 */
@Injectable()
export class TaskEndRecorder {
  constructor(
    private readonly store: JobRepository,
    private readonly advancer: JobAdvancer,
  ) {}

  async record(event: TaskEvent, end: TaskEnd, outputs: TaskOutputs | null = null, receipt?: TaskEventReceipt): Promise<void> {
    if (!event.kind) return this.recordMerged(event, end, outputs);
    const startedAt = event.startedAt ? { startedAt: event.startedAt } : {};
    const task: TaskRecord = { id: event.taskId, kind: event.kind, workerId: event.workerId, ...startedAt, ...end };
    const job = await this.store.recordTask(event.jobId, task, outputs);
    if (job && event.kind !== 'cleanup') await this.advancer.advance(job, receipt);
  }

  /** An older worker's report, which does not carry the whole task: merged over the stored one. */
  private async recordMerged(event: TaskEvent, end: TaskEnd, outputs: TaskOutputs | null): Promise<void> {
    const task = await this.store.recordTaskEvent(event, end, outputs);
    if (task && task.kind !== 'cleanup') await this.advancer.advanceById(event.jobId);
  }
}
