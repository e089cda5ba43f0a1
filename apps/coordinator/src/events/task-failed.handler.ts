import { Injectable } from '@nestjs/common';
import { TaskEventReceipt } from '@kiln/store';
import { TaskEvent, TaskState } from '@kiln/tasks';
import { TaskEndRecorder } from './task-end.recorder';

/** Kiln could not run a task (after its retries): record why; the job then fails. */
@Injectable()
export class TaskFailedHandler {
  constructor(private readonly recorder: TaskEndRecorder) {}

  async handle(event: TaskEvent, receipt?: TaskEventReceipt): Promise<void> {
    await this.recorder.record(event, { state: TaskState.FAILED, finishedAt: event.at, error: event.error }, null, receipt);
  }
}
