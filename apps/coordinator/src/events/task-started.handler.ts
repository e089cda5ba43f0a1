import { Injectable } from '@nestjs/common';
import { JobEventsRepository, JobRepository } from '@kiln/store';
import { JobState, TaskEvent, TaskState } from '@kiln/tasks';

/**
 * An older worker's report that it began a task: the task is RUNNING, and so
 * is the job if it was waiting. (A worker now writes that itself, in one
 * step: JobRepository.startTask.)
 */
@Injectable()
export class TaskStartedHandler {
  constructor(
    private readonly store: JobRepository,
    private readonly events: JobEventsRepository,
  ) {}

  async handle(event: TaskEvent): Promise<void> {
    const task = await this.store.recordTaskEvent(event, { state: TaskState.RUNNING, startedAt: event.at });
    if (!task || task.kind === 'cleanup') return;
    if (await this.store.transitionJob(event.jobId, [JobState.PENDING, JobState.SCHEDULED], JobState.RUNNING)) {
      await this.events.append(event.jobId, { type: 'state', state: JobState.RUNNING });
    }
  }
}
