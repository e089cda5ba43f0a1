import { Inject, Injectable } from '@nestjs/common';
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { RuntimeHealth, SandboxRequest, SandboxRuntime } from '../sandbox-runtime';
import { ContainerLauncher } from './container-launcher';
import { ContainerPool } from './container-pool';
import { DOCKER_TIER, DockerTier } from './docker-tier';
import { ImageIdentities } from './image-identities';
import { WarmContainer } from './warm-container';

/**
 * The runtime of the Docker-backed tiers: a lease is a started container of
 * the pool (in nested mode, the current nested sandbox of a pooled outer
 * container), named after the job and task it serves while it serves them
 * (in nested mode only once the task has run sandbox.nested.nameAfterMs).
 * What differs between the tiers is their DockerTier (container/, nested/).
 */
@Injectable()
export class DockerSandboxRuntime extends SandboxRuntime {
  readonly tier: string;
  private readonly ownerNameDelayMs: number;

  constructor(
    private readonly pool: ContainerPool,
    private readonly launcher: ContainerLauncher,
    private readonly docker: Docker,
    private readonly images: ImageIdentities,
    @Inject(DOCKER_TIER) tier: DockerTier,
    config: KilnConfig,
  ) {
    super(config.sandbox.killGraceMs);
    this.tier = tier.mode;
    this.ownerNameDelayMs = tier.ownerNameDelayMs(config.sandbox);
  }

  async health(): Promise<RuntimeHealth> {
    try {
      await this.docker.ping();
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `the Docker engine does not answer (${(error as Error).message})` };
    }
  }

  imageIdentity(image: string): Promise<string> {
    return this.images.of(image);
  }

  protected async take({ owner, image, limits, dedicated }: SandboxRequest): Promise<WarmContainer> {
    const warm = await this.pool.acquire({ image, limits, dedicated });
    warm.nameAfterOwner(this.launcher.containerName(owner.id, owner.part, randomBytes(3).toString('hex')), this.ownerNameDelayMs);
    return warm;
  }

  protected giveBack(warm: WarmContainer, reusable: boolean): void {
    this.pool.release(warm, reusable);
  }

  protected stopPreparing(): void {
    this.pool.close();
  }

  protected async removeIdle(): Promise<void> {
    await this.pool.drain();
    await this.launcher.removalsSettled();
  }
}
