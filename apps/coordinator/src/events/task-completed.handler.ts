import { Injectable } from '@nestjs/common';
import { TaskEvent, TaskState } from '@kiln/tasks';
import { JobStore } from '../jobs/job-store';
import { JobAdvancer } from './job-advancer';

/** A task finished (whatever the program did): record its result and advance the job. */
@Injectable()
export class TaskCompletedHandler {
  constructor(
    private readonly store: JobStore,
    private readonly advancer: JobAdvancer,
  ) {}

  async handle(event: TaskEvent): Promise<void> {
    const task = await this.store.recordTaskEvent(event, { ...event.result, state: TaskState.COMPLETED, finishedAt: event.at });
    if (task && task.kind !== 'cleanup') await this.advancer.advance(event.jobId);
  }
}
