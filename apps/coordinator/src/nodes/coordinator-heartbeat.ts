import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KILN_VERSION, KilnConfig } from '@kiln/config';
import { NodeHeartbeat, NodeRepository } from '@kiln/store';

/** Coordinators beat too, so GET /nodes shows the whole cluster. */
@Injectable()
export class CoordinatorHeartbeat implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly heartbeat: NodeHeartbeat;

  constructor(nodes: NodeRepository, @Inject(KILN_VERSION) version: string, private readonly config: KilnConfig) {
    const facts = {
      id: `coordinator-${hostname()}-${process.pid}`,
      instance: randomBytes(8).toString('hex'),
      role: 'coordinator' as const,
      version,
      queues: config.coordinator.queues,
      concurrency: 0,
    };
    this.heartbeat = new NodeHeartbeat(nodes, facts, async () => ({ running: 0, accepting: true }));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat.start(this.config.nodes.heartbeatMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.heartbeat.stop();
  }
}
