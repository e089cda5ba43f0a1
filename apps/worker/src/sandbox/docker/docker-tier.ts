import type { Provider } from '@nestjs/common';
import type { ContainerCreateOptions } from 'dockerode';
import { KilnConfig, SandboxConfig, SandboxMode } from '@kiln/config';
import { SandboxSpec } from './container-spec';
import { PoolPolicy } from './pool-policy';

/**
 * What sets a Docker-backed tier apart: the shape of its containers, how its
 * pool keeps them, and what it checks before the worker takes tasks. The
 * launcher, the pool and the leases are the same for every tier
 * (docker-runtime.module.ts); container/ and nested/ each give one of these.
 */
export interface DockerTier {
  /** The sandbox.mode it serves; also the containers' kiln.mode label. */
  readonly mode: SandboxMode;
  /** The `seccomp=` security option of its containers (throws, naming the key, for an unusable operator file). */
  seccompOption(sandbox: SandboxConfig): string;
  /** Its containers' configuration: Kiln's sandbox rules (container-spec.ts) in this tier's shape. */
  containerSpec(spec: SandboxSpec, sandbox: SandboxConfig): ContainerCreateOptions;
  /** How its pool keeps, reuses and retires containers. */
  poolPolicy(config: KilnConfig): PoolPolicy;
  /**
   * Its containers' agent runs a fresh sandbox per task, ended after the
   * task's last run while the container goes on (nested mode); else the
   * agent is the container's only sandbox and ends with it.
   */
  readonly sandboxPerTask: boolean;
  /** How long a lent container serves its owner before it is renamed after it (0: at once). */
  ownerNameDelayMs(sandbox: SandboxConfig): number;
  /** Providers only this tier has (e.g. a start-up check of the host). */
  readonly providers: Provider[];
  /** OCI runtimes (sandbox.runtime) it cannot run under, each with why: the worker refuses to start with them. */
  readonly refusedRuntimes?: Readonly<Record<string, string>>;
}

/** Injection token of the tier a Docker-backed runtime serves. */
export const DOCKER_TIER = Symbol('DockerTier');
