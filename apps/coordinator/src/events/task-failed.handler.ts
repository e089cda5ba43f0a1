import { Injectable } from '@nestjs/common';
import { TaskEventReceipt } from '@kiln/store';
import { TaskEvent, TaskState } from '@kiln/tasks';
import { TaskEndRecorder } from './task-end.recorder';

/**
 * Kiln could not run a task (after its retries): record why; the job then
 * fails. A task killed because its job was stopped is recorded CANCELLED.
 */
@Injectable()
export class TaskFailedHandler {
  constructor(private readonly recorder: TaskEndRecorder) {}

  async handle(event: TaskEvent, receipt?: TaskEventReceipt): Promise<void> {
    const state = event.stopped ? TaskState.CANCELLED : TaskState.FAILED;
    await this.recorder.record(event, { state, finishedAt: event.at, error: event.error }, null, receipt);
  }
}
