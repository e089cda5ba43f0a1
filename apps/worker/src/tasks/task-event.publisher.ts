import { Injectable } from '@nestjs/common';
import { EventQueueRepository } from '@kiln/store';
import { TaskEvent } from '@kiln/tasks';

/** Reports task events to the coordinator through the durable event queue (EventQueueRepository), stamped with the time. */
@Injectable()
export class TaskEventPublisher {
  constructor(private readonly events: EventQueueRepository) {}

  async publish(event: Omit<TaskEvent, 'at'>): Promise<void> {
    await this.events.publish({ ...event, at: new Date().toISOString() });
  }
}
