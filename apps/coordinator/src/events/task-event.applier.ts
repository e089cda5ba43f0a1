import { Injectable } from '@nestjs/common';
import { TaskEventReceipt } from '@kiln/store';
import { TaskEvent } from '@kiln/tasks';
import { inSpan } from '@kiln/telemetry';
import { TaskCompletedHandler } from './task-completed.handler';
import { TaskFailedHandler } from './task-failed.handler';
import { TaskStartedHandler } from './task-started.handler';

/**
 * Applies one task event with its handler, in a span that joins the worker's
 * trace. `receipt`: its delivery on the task-event stream (an older worker's
 * BullMQ event has none), which the job's end step may acknowledge.
 */
@Injectable()
export class TaskEventApplier {
  constructor(
    private readonly started: TaskStartedHandler,
    private readonly completed: TaskCompletedHandler,
    private readonly failed: TaskFailedHandler,
  ) {}

  apply(event: TaskEvent, receipt?: TaskEventReceipt): Promise<void> {
    const attributes = { 'kiln.job': event.jobId, 'kiln.task': event.taskId, 'kiln.worker': event.workerId };
    return inSpan(`kiln.event.${event.type}`, attributes, () => this.handle(event, receipt), { parent: event.trace });
  }

  private handle(event: TaskEvent, receipt?: TaskEventReceipt): Promise<void> {
    switch (event.type) {
      case 'started':
        return this.started.handle(event);
      case 'completed':
        return this.completed.handle(event, receipt);
      case 'failed':
        return this.failed.handle(event, receipt);
    }
  }
}
