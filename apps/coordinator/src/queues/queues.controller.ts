import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get } from '@nestjs/common';
import { Queue } from 'bullmq';
import { EVENT_QUEUE } from '@kiln/tasks';
import { NodeRegistry } from '../nodes/node-registry';
import { TaskQueue } from '../queue/task-queue';
import { WEBHOOK_QUEUE } from '../webhooks/webhook-dispatcher';

const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

/**
 * GET /queues: depth, activity, failures and throughput of each task queue
 * (and of Kiln's internal event and webhook queues), from BullMQ's own counts
 * and per-minute metrics.
 */
@Controller('queues')
export class QueuesController {
  constructor(
    private readonly tasks: TaskQueue,
    private readonly nodes: NodeRegistry,
    @InjectQueue(EVENT_QUEUE) private readonly events: Queue,
    @InjectQueue(WEBHOOK_QUEUE) private readonly webhooks: Queue,
  ) {}

  @Get()
  async list() {
    const workers = await this.nodes.aliveWorkers();
    const taskQueues = await Promise.all(
      this.tasks.names().map(async (name) => ({
        name,
        kind: 'tasks',
        workers: workers.filter((w) => w.queues.includes(name) && w.status === 'UP').length,
        ...(await describe(this.tasks.queue(name))),
      })),
    );
    const internal = await Promise.all(
      [this.events, this.webhooks].map(async (queue) => ({ name: queue.name, kind: 'internal', ...(await describe(queue)) })),
    );
    return [...taskQueues, ...internal];
  }
}

async function describe(queue: Queue) {
  const counts = await queue.getJobCounts(...STATES);
  const metrics = await queue.getMetrics('completed', 0, 0);
  return {
    depth: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
    counts,
    // BullMQ closes a minute's data point when the next minute's first task completes.
    throughput: { completedTotal: metrics.meta.count, completedLastFullMinute: metrics.data[0] ?? 0 },
  };
}
