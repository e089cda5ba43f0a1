import { Controller, Get } from '@nestjs/common';
import { EVENT_QUEUE, EventQueueRepository, TaskQueueRepository, WEBHOOK_QUEUE, WebhookQueueRepository } from '@kiln/store';
import { NodeRegistry } from '../nodes/node-registry';
import { sandboxTiers } from '../nodes/sandbox-tiers';
import { TaskQueue } from './task-queue';

/**
 * GET /queues: depth, activity, failures and throughput of each task queue
 * (and of Kiln's internal event and webhook queues), from BullMQ's own counts
 * and per-minute metrics; and the sandbox tiers of the UP workers serving
 * each task queue, so an operator sees where a queue's code runs.
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
      this.tasks.names().map(async (name) => {
        const serving = workers.filter((w) => w.queues.includes(name) && w.status === 'UP');
        return { name, kind: 'tasks', workers: serving.length, tiers: sandboxTiers(serving), ...(await this.taskQueues.stats(name)) };
      }),
    );
    const [events, webhooks] = await Promise.all([this.events.stats(), this.webhooks.stats()]);
    const internal = [
      { name: EVENT_QUEUE, kind: 'internal', ...events },
      { name: WEBHOOK_QUEUE, kind: 'internal', ...webhooks },
    ];
    return [...taskQueues, ...internal];
  }
}
