import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { TaskEvent } from '@kiln/tasks';
import { EVENT_QUEUE, eventQueueJobId } from '../queue-names';
import { QueueStats, queueStats } from './bull-queues';

/**
 * The task events' queue (EVENT_QUEUE; coordinators consume it): durable
 * while no coordinator runs, retried, and handed to exactly one coordinator.
 * An event that carries a task's results (its output, up to the task's share
 * of the job's output budget) is removed once applied, so that output is not
 * kept a second time; the others stay a while, which collapses a repeated
 * report into the first (the handlers are idempotent either way).
 */
@Injectable()
export class EventQueueRepository {
  constructor(@InjectQueue(EVENT_QUEUE) private readonly queue: Queue<TaskEvent>) {}

  async publish(event: TaskEvent): Promise<void> {
    await this.queue.add(event.type, event, {
      jobId: eventQueueJobId(event),
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: event.result ? true : { age: 600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  stats(): Promise<QueueStats> {
    return queueStats(this.queue);
  }
}
