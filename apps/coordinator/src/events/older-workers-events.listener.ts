import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { EVENT_QUEUE } from '@kiln/store';
import { TaskEvent } from '@kiln/tasks';
import { TaskEventApplier } from './task-event.applier';

/**
 * The BullMQ queue of task events that workers used before the events'
 * stream (EventQueueRepository): still consumed, so that a cluster upgraded
 * one process at a time loses none of its older workers' events (their
 * `started` reports included). BullMQ retries an event that could not be
 * applied; the handlers are idempotent.
 */
@Processor(EVENT_QUEUE, { concurrency: 8 })
export class OlderWorkersEventsListener extends WorkerHost {
  private readonly logger = new Logger(OlderWorkersEventsListener.name);

  constructor(private readonly applier: TaskEventApplier) {
    super();
  }

  process(job: Job<TaskEvent>): Promise<void> {
    return this.applier.apply(job.data);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<TaskEvent> | undefined, error: Error): void {
    this.logger.error(`could not apply ${job?.data.type} event of ${job?.data.jobId}/${job?.data.taskId}: ${error.message}`);
  }
}
