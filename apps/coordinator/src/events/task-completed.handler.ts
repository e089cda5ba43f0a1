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
    const job = await this.store.get(event.jobId);
    const task = job?.tasks[event.taskId];
    if (!job || !task) return;
    await this.store.transitionTask(event.jobId, {
      ...task,
      ...event.result,
      state: TaskState.COMPLETED,
      workerId: event.workerId,
      finishedAt: event.at,
    });
    if (task.kind !== 'cleanup') await this.advancer.advance(event.jobId);
  }
}
