import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { JobState, NodeBeat, RedisKeys } from '@kiln/tasks';
import { WorkerIdentity } from '../heartbeat/worker-identity';
import { CREATED_LABEL, DEPLOYMENT_LABEL, INSTANCE_LABEL, JOB_LABEL, SANDBOX_LABEL, WORKER_LABEL } from '../sandbox/container-spec';
import { reapReason, SandboxContainer } from './reap-decision';

/**
 * Removes orphaned sandbox containers of this deployment (same Redis prefix)
 * on this Docker engine: at start-up
 * (what a killed predecessor left) and then periodically (what any dead
 * worker sharing the engine left, or anything stuck past the hard maximum).
 */
@Injectable()
export class OrphanReaper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrphanReaper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly docker: Docker,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly identity: WorkerIdentity,
    private readonly config: KilnConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reapSafely();
    this.timer = setInterval(() => void this.reapSafely(), this.config.sandbox.reaperIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One sweep; returns how many containers it removed. */
  async reap(): Promise<number> {
    const filters = { label: [`${SANDBOX_LABEL}=1`, `${DEPLOYMENT_LABEL}=${this.config.redis.prefix}`] };
    const containers = (await this.docker.listContainers({ all: true, filters })).map(toSandbox);
    if (containers.length === 0) return 0;
    const facts = {
      now: Date.now(),
      myInstance: this.identity.instance,
      beats: await this.beats(),
      jobStates: await this.jobStates(containers),
      workerTimeoutMs: this.config.coordinator.workerTimeoutMs,
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
    const raw = await this.redis.hgetall(this.keys.nodes());
    return new Map(Object.entries(raw).map(([id, beat]) => [id, JSON.parse(beat) as NodeBeat]));
  }

  private async jobStates(containers: SandboxContainer[]): Promise<Map<string, JobState | null>> {
    const ids = [...new Set(containers.map((c) => c.jobId).filter((id): id is string => Boolean(id)))];
    const states = await Promise.all(ids.map((id) => this.redis.hget(this.keys.job(id), 'state')));
    return new Map(ids.map((id, index) => [id, (states[index] as JobState | null) ?? null]));
  }
}

function toSandbox(info: Docker.ContainerInfo): SandboxContainer {
  const labels = info.Labels ?? {};
  const created = Number(labels[CREATED_LABEL]);
  return {
    id: info.Id,
    instance: labels[INSTANCE_LABEL],
    workerId: labels[WORKER_LABEL],
    jobId: labels[JOB_LABEL] || undefined,
    createdAt: Number.isFinite(created) ? created : info.Created * 1000,
  };
}
