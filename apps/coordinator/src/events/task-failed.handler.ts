import { Injectable } from '@nestjs/common';
import { TaskEvent, TaskState } from '@kiln/tasks';
import { JobRepository } from '@kiln/store';
import { JobAdvancer } from './job-advancer';

/** Kiln could not run a task (after its retries): record why; the job then fails. */
@Injectable()
export class TaskFailedHandler {
  constructor(
    private readonly store: JobRepository,
    private readonly advancer: JobAdvancer,
  ) {}

  async handle(event: TaskEvent): Promise<void> {
    const task = await this.store.recordTaskEvent(event, { state: TaskState.FAILED, finishedAt: event.at, error: event.error });
    if (task && task.kind !== 'cleanup') await this.advancer.advance(event.jobId);
  }
}
