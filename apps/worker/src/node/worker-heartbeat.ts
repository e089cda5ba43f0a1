import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { KILN_VERSION, KilnConfig } from '@kiln/config';
import { NodeHeartbeat, REDIS } from '@kiln/redis';
import { RedisKeys } from '@kiln/tasks';
import { WorkerIdentity } from '../identity/worker-identity';
import { TaskQueueConsumer } from '../tasks/task-queue.consumer';
import { RuntimeWatchdog } from './runtime-watchdog';

/** Tells the cluster this worker is alive, what it serves, and whether it can work. */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly heartbeat: NodeHeartbeat;

  constructor(
    @Inject(REDIS) redis: Redis,
    keys: RedisKeys,
    identity: WorkerIdentity,
    @Inject(KILN_VERSION) version: string,
    private readonly config: KilnConfig,
    private readonly watchdog: RuntimeWatchdog,
    private readonly consumer: TaskQueueConsumer,
  ) {
    const facts = {
      id: identity.id,
      instance: identity.instance,
      role: 'worker' as const,
      version,
      queues: config.worker.queues,
      concurrency: config.worker.concurrency,
    };
    this.heartbeat = new NodeHeartbeat(redis, keys, facts, () => this.state());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat.start(this.config.worker.heartbeatMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.heartbeat.stop();
  }

  private async state() {
    const docker = await this.watchdog.check();
    const reason = this.consumer.pauseReason();
    return { running: this.consumer.running(), docker, accepting: reason === null, ...(reason ? { reason } : {}) };
  }
}
