import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { bullConnection } from '@kiln/redis';

/** BullMQ states a queue is described by. */
const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

/** What GET /queues says of one queue, from BullMQ's own counts and per-minute metrics. */
export interface QueueStats {
  /** Waiting for a worker: waiting, prioritized and delayed. */
  depth: number;
  counts: Record<string, number>;
  throughput: { completedTotal: number; completedLastFullMinute: number };
}

export async function queueStats(queue: Queue): Promise<QueueStats> {
  const counts = await queue.getJobCounts(...STATES);
  const metrics = await queue.getMetrics('completed', 0, 0);
  return {
    depth: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
    counts,
    // BullMQ closes a minute's data point when the next minute's first task completes.
    throughput: { completedTotal: metrics.meta.count, completedLastFullMinute: metrics.data[0] ?? 0 },
  };
}

/**
 * Queues opened by name (the task queues: their names come from the
 * configuration), on first use (a process opens only those it uses), on
 * one connection made with bullConnection, and closed when the process stops.
 * (The event and webhook queues, which have @Processor consumers, are
 * registered with @nestjs/bullmq by StoreModule instead.)
 */
@Injectable()
export class BullQueues implements OnApplicationShutdown {
  private readonly open = new Map<string, Queue>();

  constructor(private readonly config: KilnConfig) {}

  get<T>(name: string, connectionName: string): Queue<T> {
    let queue = this.open.get(name);
    if (!queue) {
      queue = new Queue(name, bullConnection(this.config.redis, connectionName));
      this.open.set(name, queue);
    }
    return queue as Queue<T>;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.open.values()].map((queue) => queue.close()));
  }
}
