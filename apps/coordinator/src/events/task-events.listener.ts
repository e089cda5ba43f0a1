import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EventConsumer, EventQueueRepository } from '@kiln/store';
import { TaskEventApplier } from './task-event.applier';

/** Events applied at once by one coordinator. */
const CONCURRENCY = 8;

/**
 * Consumes the workers' task events (EventQueueRepository): they wait in
 * Redis while no coordinator runs and are applied when one starts; one that
 * could not be applied is tried again (5 times, from 500 ms apart), and one
 * whose coordinator died before it was applied is handed to another after
 * 10 s. Each handler is idempotent, so an event applied twice changes nothing.
 */
@Injectable()
export class TaskEventsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: EventConsumer;

  constructor(
    private readonly events: EventQueueRepository,
    private readonly applier: TaskEventApplier,
  ) {}

  onApplicationBootstrap(): void {
    const name = `coordinator-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const settings = { name, concurrency: CONCURRENCY, retryDelayMs: 500, reclaimAfterMs: 10_000, attempts: 5 };
    this.consumer = this.events.consume((event, receipt) => this.applier.apply(event, receipt), settings);
  }

  /**
   * After the HTTP drain (CoordinatorDrain): an /execute in flight is
   * answered only if its job's events are still applied meanwhile. Then no
   * more events are taken; those being applied are finished first.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
