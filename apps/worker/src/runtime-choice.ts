import type { DynamicModule, Type } from '@nestjs/common';
import type { ContainerCreateOptions } from 'dockerode';
import { KilnConfig, SandboxConfig, SandboxMode } from '@kiln/config';
import { ReaperModule } from './reaper/reaper.module';
import { containerTier } from './sandbox/container/container-tier';
import { SandboxSpec } from './sandbox/docker/container-spec';
import { dockerPreflight } from './sandbox/docker/docker-preflight';
import { DockerRuntimeModule } from './sandbox/docker/docker-runtime.module';
import { DockerTier } from './sandbox/docker/docker-tier';
import { GivenRuntimeModule } from './sandbox/given-runtime.module';
import { nestedTier } from './sandbox/nested/nested-tier';
import { SandboxRuntime } from './sandbox/sandbox-runtime';

/** The worker's sandbox runtime, as the worker is built with it. */
export interface RuntimeAdapter {
  /** The Nest modules that make it up; one of them provides SandboxRuntime to the whole worker. */
  modules: (DynamicModule | Type)[];
  /** Checks before the worker is built; throws what the operator must fix. */
  preflight(): Promise<void>;
}

/** One Docker-backed tier per sandbox.mode. */
const DOCKER_TIERS: Record<SandboxMode, DockerTier> = { container: containerTier, nested: nestedTier };

/**
 * The one place that chooses the adapter: sandbox.mode's tier, with the
 * orphan reaper that every Docker-backed tier needs. Chosen once, at
 * start-up; nothing below asks for the mode again.
 */
export function configuredRuntime(config: KilnConfig): RuntimeAdapter {
  const tier = DOCKER_TIERS[config.sandbox.mode];
  return { modules: [DockerRuntimeModule.forTier(tier), ReaperModule], preflight: () => dockerPreflight(config.sandbox, tier) };
}

/** A runtime the caller made (tests: a ScriptedSandboxRuntime): no Docker, so no preflight and no reaper. */
export function givenRuntime(runtime: SandboxRuntime): RuntimeAdapter {
  return { modules: [GivenRuntimeModule.of(runtime)], preflight: async () => undefined };
}

/** The container configuration sandbox.mode's tier gives a sandbox (the bench scripts build theirs with it). */
export function sandboxContainerSpec(spec: SandboxSpec, sandbox: SandboxConfig): ContainerCreateOptions {
  return DOCKER_TIERS[sandbox.mode].containerSpec(spec, sandbox);
}
