import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import Docker from 'dockerode';
import { KilnConfig } from '@kiln/config';
import { NodeRepository } from '@kiln/store';
import { NodeBeat } from '@kiln/tasks';
import { runEvery } from '@kiln/telemetry';
import { WorkerIdentity } from '../identity/worker-identity';
import { ContainerPool } from '../sandbox/docker/container-pool';
import { CREATED_LABEL, DEPLOYMENT_LABEL, INSTANCE_LABEL, SANDBOX_LABEL, WORKER_LABEL } from '../sandbox/docker/container-spec';
import { reapReason, SandboxContainer } from './reap-decision';

/**
 * Removes orphaned sandbox containers of this deployment (same Redis prefix)
 * on this Docker engine: at start-up (what a killed predecessor left) and then
 * periodically (what any dead worker sharing the engine left, ready or in
 * use, and its own containers that no task holds past the hard maximum age).
 * The rules are reap-decision.ts.
 */
@Injectable()
export class OrphanReaper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrphanReaper.name);
  private stopPasses = (): void => undefined;

  constructor(
    private readonly docker: Docker,
    private readonly nodes: NodeRepository,
    private readonly identity: WorkerIdentity,
    private readonly pool: ContainerPool,
    private readonly config: KilnConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reapSafely();
    this.stopPasses = runEvery(this.config.sandbox.reaperIntervalMs, () => this.reap(), (e) => this.logger.warn(`orphan sweep failed: ${e.message}`));
  }

  onModuleDestroy(): void {
    this.stopPasses();
  }

  /** One sweep; returns how many containers it removed. */
  async reap(): Promise<number> {
    const filters = { label: [`${SANDBOX_LABEL}=1`, `${DEPLOYMENT_LABEL}=${this.config.redis.prefix}`] };
    const containers = (await this.docker.listContainers({ all: true, filters })).map(toSandbox);
    if (containers.length === 0) return 0;
    const beats = await this.beats();
    const facts = {
      now: Date.now(),
      myInstance: this.identity.instance,
      myWorkerId: this.identity.id,
      // Taken after the list (and at once before the decisions): a container lent since the list is in it.
      inUse: this.pool.inUseIds(),
      beats,
      workerTimeoutMs: this.config.nodes.timeoutMs,
      maxAgeMs: this.config.sandbox.maxContainerAgeMs,
    };
    let removed = 0;
    for (const container of containers) {
      const reason = reapReason(container, facts);
      if (!reason) continue;
      await this.docker.getContainer(container.id).remove({ force: true }).then(
        () => {
          removed++;
          this.logger.warn(`removed orphaned sandbox ${container.id.slice(0, 12)} (${reason})`);
        },
        () => undefined,
      );
    }
    return removed;
  }

  private async reapSafely(): Promise<void> {
    await this.reap().catch((error: Error) => this.logger.warn(`orphan sweep failed: ${error.message}`));
  }

  private async beats(): Promise<Map<string, NodeBeat>> {
    return new Map((await this.nodes.beats()).map((beat) => [beat.id, beat]));
  }
}

function toSandbox(info: Docker.ContainerInfo): SandboxContainer {
  const labels = info.Labels ?? {};
  const created = Number(labels[CREATED_LABEL]);
  return {
    id: info.Id,
    instance: labels[INSTANCE_LABEL],
    workerId: labels[WORKER_LABEL],
    createdAt: Number.isFinite(created) ? created : info.Created * 1000,
  };
}
