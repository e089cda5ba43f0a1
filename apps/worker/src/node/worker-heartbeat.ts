import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { KILN_VERSION, KilnConfig } from '@kiln/config';
import { NodeHeartbeat, NodeRepository } from '@kiln/store';
import { WorkerIdentity } from '../identity/worker-identity';
import { SandboxChoice } from '../sandbox/sandbox-choice';
import { SessionHost } from '../sessions/session-host';
import { TaskQueueConsumer } from '../tasks/task-queue.consumer';
import { RuntimeWatchdog } from './runtime-watchdog';

/** Tells the cluster this worker is alive, what it serves, and whether it can work. */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly heartbeat: NodeHeartbeat;

  constructor(
    nodes: NodeRepository,
    identity: WorkerIdentity,
    @Inject(KILN_VERSION) version: string,
    private readonly config: KilnConfig,
    private readonly watchdog: RuntimeWatchdog,
    private readonly consumer: TaskQueueConsumer,
    sandbox: SandboxChoice,
    private readonly sessions: SessionHost,
  ) {
    // Beside the facts every node has, the tier in force (every beat carries the facts as they are).
    const facts = {
      id: identity.id,
      instance: identity.instance,
      role: 'worker' as const,
      version,
      queues: config.worker.queues,
      concurrency: config.worker.concurrency,
      sandbox: sandbox.toJSON(),
    };
    this.heartbeat = new NodeHeartbeat(nodes, facts, () => this.state());
    sessions.onSlotFreed(() => this.heartbeat.beatNow({ sessions: sessions.counts() }));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat.start(this.config.nodes.heartbeatMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.heartbeat.stop();
  }

  private async state() {
    const docker = await this.watchdog.check(this.config.nodes.heartbeatMs, this.config.nodes.timeoutMs);
    const reason = this.consumer.pauseReason();
    const accepting = reason === null;
    return { running: this.consumer.running(), docker, accepting, sessions: this.sessions.counts(), ...(reason ? { reason } : {}) };
  }
}
