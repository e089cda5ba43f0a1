import { DynamicModule, Module } from '@nestjs/common';
import Docker from 'dockerode';
import { KilnConfig } from '@kiln/config';
import { IdentityModule } from '../../identity/identity.module';
import { MetricsModule } from '../../metrics/metrics.module';
import { SandboxRuntime } from '../sandbox-runtime';
import { ContainerLauncher } from './container-launcher';
import { ContainerPool } from './container-pool';
import { ContainerSpecBuilder } from './container-spec';
import { DockerSandboxRuntime } from './docker-sandbox.runtime';
import { DOCKER_TIER, DockerTier } from './docker-tier';
import { dockerProvider } from './docker.provider';
import { ImageIdentities } from './image-identities';
import { POOL_POLICY } from './pool-policy';

@Module({})
export class DockerRuntimeModule {
  /**
   * The worker's SandboxRuntime for a Docker-backed tier: one launcher, one
   * pool and one lease keeper for every tier, the tier's own shape, policy
   * and checks beside them. Global: the runtime is chosen once at start-up
   * (runtime-choice.ts), and every room that needs sandboxes gets this one.
   * The engine client, the pool and the spec builder are exported for the
   * orphan reaper (reaper/) and the sandbox-rule tests.
   */
  static forTier(tier: DockerTier): DynamicModule {
    return {
      module: DockerRuntimeModule,
      global: true,
      imports: [IdentityModule, MetricsModule],
      providers: [
        { provide: DOCKER_TIER, useValue: tier },
        { provide: POOL_POLICY, inject: [KilnConfig], useFactory: (config: KilnConfig) => tier.poolPolicy(config) },
        dockerProvider,
        ContainerSpecBuilder,
        ContainerLauncher,
        ContainerPool,
        ImageIdentities,
        DockerSandboxRuntime,
        { provide: SandboxRuntime, useExisting: DockerSandboxRuntime },
        ...tier.providers,
      ],
      exports: [SandboxRuntime, Docker, ContainerPool, ContainerSpecBuilder],
    };
  }
}
