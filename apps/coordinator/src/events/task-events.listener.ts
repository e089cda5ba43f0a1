import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { EVENT_QUEUE } from '@kiln/store';
import { TaskEvent } from '@kiln/tasks';
import { inSpan } from '@kiln/telemetry';
import { TaskCompletedHandler } from './task-completed.handler';
import { TaskFailedHandler } from './task-failed.handler';
import { TaskStartedHandler } from './task-started.handler';

/**
 * Consumes the workers' task events. Events wait in Redis while no
 * coordinator runs and are applied when one starts; each handler is
 * idempotent, so a redelivered event changes nothing.
 */
@Processor(EVENT_QUEUE, { concurrency: 8 })
export class TaskEventsListener extends WorkerHost {
  private readonly logger = new Logger(TaskEventsListener.name);

  constructor(
    private readonly started: TaskStartedHandler,
    private readonly completed: TaskCompletedHandler,
    private readonly failed: TaskFailedHandler,
  ) {
    super();
  }

  async process(job: Job<TaskEvent>): Promise<void> {
    const event = job.data;
    const attributes = { 'kiln.job': event.jobId, 'kiln.task': event.taskId, 'kiln.worker': event.workerId };
    await inSpan(`kiln.event.${event.type}`, attributes, () => this.apply(event), { parent: event.trace });
  }

  private apply(event: TaskEvent): Promise<void> {
    switch (event.type) {
      case 'started':
        return this.started.handle(event);
      case 'completed':
        return this.completed.handle(event);
      case 'failed':
        return this.failed.handle(event);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<TaskEvent> | undefined, error: Error): void {
    this.logger.error(`could not apply ${job?.data.type} event of ${job?.data.jobId}/${job?.data.taskId}: ${error.message}`);
  }
}
