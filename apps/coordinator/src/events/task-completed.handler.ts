import { Injectable } from '@nestjs/common';
import { splitTaskResult, TaskEvent, TaskState } from '@kiln/tasks';
import { JobRepository } from '@kiln/store';
import { JobAdvancer } from './job-advancer';

/** A task finished (whatever the program did): record its result and advance the job. */
@Injectable()
export class TaskCompletedHandler {
  constructor(
    private readonly store: JobRepository,
    private readonly advancer: JobAdvancer,
  ) {}

  async handle(event: TaskEvent): Promise<void> {
    // The summaries go in the job record, the output beside it (read only to answer).
    const { summary, outputs } = splitTaskResult(event.result ?? {});
    const task = await this.store.recordTaskEvent(event, { ...summary, state: TaskState.COMPLETED, finishedAt: event.at }, outputs);
    if (task && task.kind !== 'cleanup') await this.advancer.advance(event.jobId);
  }
}
