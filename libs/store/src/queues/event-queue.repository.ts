import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { createRedis, REDIS } from '@kiln/redis';
import { TaskEvent } from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';
import { StoreScript } from '../scripts/store-script';
import { QueueStats } from './bull-queues';
import { ACK, EventConsumer, EventConsumerSettings } from './event-consumer';
import { EVENT_GROUP, TaskEventReceipt } from './task-event-receipt';

/**
 * The task events, from the workers to the coordinators: a Redis stream
 * read through one consumer group. Each event is handed to exactly one
 * coordinator, waits in Redis while none runs, is tried again when applying
 * it failed and handed to another coordinator when its own died before it
 * acknowledged it; once applied it is acknowledged and deleted, so no
 * event's output is kept twice. A worker reports with one XADD and a
 * coordinator acknowledges with one script, where a BullMQ queue took three
 * scripts of some fifty commands per event (docs/performance.md). The
 * handlers are idempotent, so an event applied twice changes nothing.
 * (Events of workers from before the stream still arrive on the BullMQ
 * queue EVENT_QUEUE, which coordinators also consume.)
 */
@Injectable()
export class EventQueueRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {
    StoreScript.define(redis, [ACK]);
  }

  /**
   * Adds the event; from the reply on it is durable. On the command
   * connection, so it leaves in the same write as whatever the worker wrote
   * to Redis in the same turn (its task's last output), after it.
   */
  async publish(event: TaskEvent): Promise<void> {
    await this.redis.xadd(this.keys.taskEvents(), '*', 'e', JSON.stringify(event));
  }

  /** A coordinator's reader of the events (its own blocking connection); started at once, stopped by the caller. */
  consume(apply: (event: TaskEvent, receipt: TaskEventReceipt) => Promise<void>, settings: EventConsumerSettings): EventConsumer {
    const reader = createRedis(this.config.redis.url, `kiln-task-events-${settings.name}`);
    const consumer = new EventConsumer(this.redis, reader, this.keys, apply, settings);
    consumer.start();
    return consumer;
  }

  /** GET /queues: waiting (not yet read), active (read, not yet applied), failed (given up) and applied per minute. */
  async stats(): Promise<QueueStats> {
    const lastFullMinute = Math.floor(Date.now() / 60_000) - 1;
    const [groups, length, failed, total, inLastMinute] = await Promise.all([
      this.redis.xinfo('GROUPS', this.keys.taskEvents()).catch(() => [] as unknown[]) as Promise<unknown[][]>,
      this.redis.xlen(this.keys.taskEvents()),
      this.redis.xlen(this.keys.taskEventsFailed()),
      this.redis.get(this.keys.taskEventsApplied()),
      this.redis.get(this.keys.taskEventsApplied(lastFullMinute)),
    ]);
    const group = groups.map(fieldsOf).find((fields) => fields.name === EVENT_GROUP);
    const active = Number(group?.pending ?? 0);
    const waiting = Number(group?.lag ?? Math.max(0, length - active));
    return {
      depth: waiting,
      counts: { waiting, active, failed },
      throughput: { completedTotal: Number(total ?? 0), completedLastFullMinute: Number(inLastMinute ?? 0) },
    };
  }
}

/** XINFO's flat [name, value, …] reply as an object. */
function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1];
  return fields;
}
