import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeRedis, settledWithin } from '@kiln/redis';
import { TaskEvent } from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';
import { StoreScript } from '../scripts/store-script';
import { ACKNOWLEDGE_LUA, acknowledgeKeys, EVENT_GROUP, TaskEventReceipt } from './task-event-receipt';

/** A blocking read gives up after this long and starts again (so a stop never waits longer). */
const BLOCK_MS = 2000;
/** Pending entries looked at per reclaim pass. */
const RECLAIM_BATCH = 32;
/** At most this many events no coordinator could apply are kept for operators. */
const FAILED_KEPT = 1000;
/** A stopping consumer waits this long at most for the events it is applying. */
const STOP_WAIT_MS = 5000;

/** Acknowledges an applied event, deletes it and counts it, in one step (ACKNOWLEDGE_LUA). */
export const ACK = new StoreScript('kilnAckTaskEvent', 3, `${ACKNOWLEDGE_LUA}
acknowledge(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return 1`);

export interface EventConsumerSettings {
  /** Unique among the coordinators (and their restarts): what the group knows this consumer by. */
  name: string;
  /** Events applied at once. */
  concurrency: number;
  /** An event that could not be applied is tried again after this long, twice as long after each try. */
  retryDelayMs: number;
  /** An event delivered to a consumer and not acknowledged this long (its coordinator died) is handed to another. */
  reclaimAfterMs: number;
  /** Tries of one event before it is given up (kept in the failed stream). */
  attempts: number;
}

type Entry = [id: string, fields: string[]];

/**
 * One coordinator's reader of the task events (EventQueueRepository): it
 * reads new entries through the group (blocking, on a connection of its
 * own), applies up to `concurrency` at once, acknowledges each applied one
 * (unless the step that applied it did, TaskEventReceipt),
 * and hands out again the entries whose delivery was not acknowledged in
 * time, its own or a dead coordinator's.
 */
export class EventConsumer {
  private readonly logger = new Logger('TaskEvents');
  /** Entries being applied, or waiting to be tried again, by this consumer. */
  private readonly applying = new Map<string, Promise<void>>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private running = true;
  private slotFreed: (() => void) | null = null;
  private reclaimer?: NodeJS.Timeout;
  private reclaiming = false;
  private stopping?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly reader: Redis,
    private readonly keys: RedisKeys,
    private readonly apply: (event: TaskEvent, receipt: TaskEventReceipt) => Promise<void>,
    private readonly settings: EventConsumerSettings,
  ) {}

  start(): void {
    void this.read();
    this.reclaimer = setInterval(() => void this.reclaim(), Math.max(50, Math.floor(this.settings.reclaimAfterMs / 2)));
    this.reclaimer.unref();
  }

  /** No more reading; resolves once the events being applied are done (or STOP_WAIT_MS). */
  stop(): Promise<void> {
    this.stopping ??= this.stopReading();
    return this.stopping;
  }

  private async stopReading(): Promise<void> {
    this.running = false;
    clearInterval(this.reclaimer);
    for (const retry of this.retries) clearTimeout(retry);
    this.slotFreed?.();
    this.reader.disconnect();
    await settledWithin(Promise.allSettled([...this.applying.values()]), STOP_WAIT_MS);
    await closeRedis(this.reader);
  }

  private async read(): Promise<void> {
    await this.ensureGroup();
    for (let failures = 0; this.running; ) {
      await this.freeSlot();
      if (!this.running) return;
      try {
        const free = this.settings.concurrency - this.applying.size;
        const reply = (await this.reader.xreadgroup(
          'GROUP', EVENT_GROUP, this.settings.name, 'COUNT', free, 'BLOCK', BLOCK_MS, 'STREAMS', this.keys.taskEvents(), '>',
        )) as [string, Entry[]][] | null;
        failures = 0;
        for (const [id, fields] of reply?.[0]?.[1] ?? []) this.run(id, fields);
      } catch (error) {
        if (!this.running) return;
        if (/NOGROUP/.test((error as Error).message)) await this.ensureGroup();
        else if (failures++ === 0) this.logger.warn(`reading task events failed, retrying: ${(error as Error).message}`);
        await sleep(Math.min(2000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  /** The group exists from the first entry on (MKSTREAM: even before any worker reported). */
  private async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.keys.taskEvents(), EVENT_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!/BUSYGROUP/.test((error as Error).message)) this.logger.warn(`could not create the task events' group: ${(error as Error).message}`);
    }
  }

  private freeSlot(): Promise<void> {
    if (this.applying.size < this.settings.concurrency) return Promise.resolve();
    return new Promise((resolve) => (this.slotFreed = resolve));
  }

  /** Applies the entry (its `tries`-th time), then acknowledges it; a failure is tried again later, in this consumer. */
  private run(id: string, fields: string[], tries = 1): void {
    if (this.applying.has(id) && tries === 1) return;
    const event = parseEvent(fields);
    if (!event) {
      void this.giveUp(id, fields, 'not a task event');
      return;
    }
    const receipt = new TaskEventReceipt(id);
    const applied = this.apply(event, receipt)
      .then(() => (receipt.acknowledged ? undefined : this.acknowledge(id)))
      .then(
        () => this.done(id),
        (error: Error) => this.failed(id, fields, tries, `could not apply ${event.type} event of ${event.jobId}/${event.taskId}: ${error.message}`),
      );
    this.applying.set(id, applied);
  }

  private failed(id: string, fields: string[], tries: number, why: string): void {
    this.logger.error(why);
    if (!this.running) return this.done(id);
    if (tries >= this.settings.attempts) {
      void this.giveUp(id, fields, `${why} (${tries} tries)`).finally(() => this.done(id));
      return;
    }
    const retry = setTimeout(() => {
      this.retries.delete(retry);
      if (this.running) this.run(id, fields, tries + 1);
      else this.done(id);
    }, this.settings.retryDelayMs * 2 ** (tries - 1));
    this.retries.add(retry);
  }

  /** The entry leaves this consumer's hands: its slot is free. */
  private done(id: string): void {
    this.applying.delete(id);
    const freed = this.slotFreed;
    this.slotFreed = null;
    freed?.();
  }

  private async acknowledge(id: string): Promise<void> {
    await ACK.run(this.redis, acknowledgeKeys(this.keys), [id]);
  }

  /**
   * Entries delivered to a consumer and not acknowledged for
   * reclaimAfterMs (its coordinator died, or stopped meanwhile): claimed
   * and applied here, or given up after `attempts` deliveries.
   */
  private async reclaim(): Promise<void> {
    if (!this.running || this.reclaiming) return;
    this.reclaiming = true;
    try {
      const { reclaimAfterMs, attempts, name } = this.settings;
      const pending = (await this.redis.xpending(this.keys.taskEvents(), EVENT_GROUP, 'IDLE', reclaimAfterMs, '-', '+', RECLAIM_BATCH)) as [
        string,
        string,
        number,
        number,
      ][];
      for (const [id, , , deliveries] of pending) {
        if (!this.running || this.applying.has(id)) continue;
        const claimed = (await this.redis.xclaim(this.keys.taskEvents(), EVENT_GROUP, name, reclaimAfterMs, id)) as Entry[];
        for (const [claimedId, fields] of claimed) {
          if (deliveries >= attempts) await this.giveUp(claimedId, fields, `not applied after ${deliveries} deliveries`);
          else this.run(claimedId, fields);
        }
      }
    } catch (error) {
      if (this.running) this.logger.warn(`could not reclaim task events: ${(error as Error).message}`);
    } finally {
      this.reclaiming = false;
    }
  }

  /** Moves an entry to the failed stream (capped), where operators can read it; it is not applied again. */
  private async giveUp(id: string, fields: string[], why: string): Promise<void> {
    this.logger.error(`task event ${id} given up: ${why}`);
    await this.redis
      .multi()
      .xadd(this.keys.taskEventsFailed(), 'MAXLEN', '~', FAILED_KEPT, '*', ...fields, 'why', why)
      .xack(this.keys.taskEvents(), EVENT_GROUP, id)
      .xdel(this.keys.taskEvents(), id)
      .exec()
      .catch((error: Error) => this.logger.warn(`could not set task event ${id} aside: ${error.message}`));
  }
}

function parseEvent(fields: string[]): TaskEvent | null {
  const index = fields.indexOf('e');
  try {
    const event = JSON.parse(fields[index + 1]) as TaskEvent;
    return event && typeof event.jobId === 'string' && typeof event.taskId === 'string' && typeof event.type === 'string' ? event : null;
  } catch {
    return null;
  }
}
