import { Injectable } from '@nestjs/common';
import { TaskEventReceipt } from '@kiln/store';
import { splitTaskResult, TaskEvent, TaskState } from '@kiln/tasks';
import { TaskEndRecorder } from './task-end.recorder';

/** A task finished (whatever the program did): record its result and advance the job. */
@Injectable()
export class TaskCompletedHandler {
  constructor(private readonly recorder: TaskEndRecorder) {}

  async handle(event: TaskEvent, receipt?: TaskEventReceipt): Promise<void> {
    // The summaries go in the job record, the output beside it (read only to answer).
    const { summary, outputs } = splitTaskResult(event.result ?? {});
    await this.recorder.record(event, { ...summary, state: TaskState.COMPLETED, finishedAt: event.at }, outputs, receipt);
  }
}
