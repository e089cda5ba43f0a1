import { Controller, Get } from '@nestjs/common';
import { EVENT_QUEUE, EventQueueRepository, TaskQueueRepository, WEBHOOK_QUEUE, WebhookQueueRepository } from '@kiln/store';
import { NodeRegistry } from '../nodes/node-registry';
import { TaskQueue } from './task-queue';

/**
 * GET /queues: depth, activity, failures and throughput of each task queue
 * (and of Kiln's internal event and webhook queues), from BullMQ's own counts
 * and per-minute metrics.
 */
@Controller('queues')
export class QueuesController {
  constructor(
    private readonly tasks: TaskQueue,
    private readonly taskQueues: TaskQueueRepository,
    private readonly events: EventQueueRepository,
    private readonly webhooks: WebhookQueueRepository,
    private readonly nodes: NodeRegistry,
  ) {}

  @Get()
  async list() {
    const workers = await this.nodes.aliveWorkers();
    const taskQueues = await Promise.all(
      this.tasks.names().map(async (name) => ({
        name,
        kind: 'tasks',
        workers: workers.filter((w) => w.queues.includes(name) && w.status === 'UP').length,
        ...(await this.taskQueues.stats(name)),
      })),
    );
    const [events, webhooks] = await Promise.all([this.events.stats(), this.webhooks.stats()]);
    const internal = [
      { name: EVENT_QUEUE, kind: 'internal', ...events },
      { name: WEBHOOK_QUEUE, kind: 'internal', ...webhooks },
    ];
    return [...taskQueues, ...internal];
  }
}
