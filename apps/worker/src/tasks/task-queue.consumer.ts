import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { redisOptions } from '@kiln/redis';
import { TASK_QUEUE, TaskPayload } from '@kiln/tasks';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { TaskProcessor } from './task.processor';

/**
 * The BullMQ consumer of the task queue. Built by hand rather than with
 * @Processor because its concurrency, lock and stall settings come from the
 * validated configuration, and it must only start taking tasks once the whole
 * worker (sandboxes, reaper, cancel listener) is up.
 */
@Injectable()
export class TaskQueueConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TaskQueueConsumer.name);
  private worker?: Worker<TaskPayload>;

  constructor(
    private readonly config: KilnConfig,
    private readonly identity: WorkerIdentity,
    private readonly processor: TaskProcessor,
  ) {}

  onApplicationBootstrap(): void {
    const { worker, redis } = this.config;
    this.worker = new Worker<TaskPayload>(TASK_QUEUE, (job: Job<TaskPayload>) => this.processor.process(job), {
      connection: { ...redisOptions(redis.url, `kiln-worker-${this.identity.id}`), maxRetriesPerRequest: null },
      prefix: redis.prefix,
      concurrency: worker.concurrency,
      lockDuration: worker.lockDurationMs,
      stalledInterval: worker.stalledIntervalMs,
      maxStalledCount: worker.maxStalledCount,
      name: this.identity.id,
    });
    this.worker.on('error', (error) => this.logger.error(`task queue error: ${error.message}`));
  }

  /**
   * First step of shutdown: stop taking tasks and let the running ones finish
   * (sandboxes are removed later, in SandboxFactory's shutdown hook).
   */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}
