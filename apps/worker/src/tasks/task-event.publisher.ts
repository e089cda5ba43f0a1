import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { EVENT_QUEUE, eventQueueJobId, TaskEvent } from '@kiln/tasks';

/**
 * Reports task events to the coordinator through a BullMQ queue: durable while
 * no coordinator runs, retried, and handed to exactly one coordinator. An
 * event that carries a task's results (its output, up to the task's share of
 * the job's output budget) is removed once applied, so that output is not
 * kept a second time; the others stay a while, which collapses a repeated
 * report into the first (the handlers are idempotent either way).
 */
@Injectable()
export class TaskEventPublisher {
  constructor(@InjectQueue(EVENT_QUEUE) private readonly events: Queue<TaskEvent>) {}

  async publish(event: Omit<TaskEvent, 'at'>): Promise<void> {
    const full: TaskEvent = { ...event, at: new Date().toISOString() };
    await this.events.add(event.type, full, {
      jobId: eventQueueJobId(full),
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: full.result ? true : { age: 600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    });
  }
}
