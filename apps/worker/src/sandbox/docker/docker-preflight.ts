import Docker from 'dockerode';
import { KilnConfig } from '@kiln/config';
import { WorkerIdentity } from '../../identity/worker-identity';
import { WorkerMetrics } from '../../metrics/worker-metrics';
import { ContainerLauncher } from './container-launcher';
import { ContainerSpecBuilder } from './container-spec';
import { DockerTier } from './docker-tier';

/** Fails with a clear message when no Docker engine answers. */
export async function assertDockerReachable(docker = new Docker()): Promise<void> {
  try {
    await docker.ping();
  } catch (error) {
    const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
    throw new Error(
      `no Docker engine answers at ${where} (${(error as Error).message}). ` +
        'Start the Docker engine (e.g. `dockerd &`, or scripts/host-services.sh), or set DOCKER_HOST.',
    );
  }
}

/** The configured OCI runtime (runc, or runsc for gVisor) must be registered with the engine. */
export async function assertRuntimeAvailable(runtime: string, docker = new Docker()): Promise<void> {
  const info = (await docker.info()) as { Runtimes?: Record<string, unknown> };
  const available = Object.keys(info.Runtimes ?? {});
  if (!available.includes(runtime)) {
    throw new Error(
      `sandbox.runtime is ${runtime}, but the Docker engine has no such runtime (it has: ${available.join(', ')}). ` +
        'Install and register it (gVisor: scripts/register-gvisor.sh, or `runsc install` and a SIGHUP to dockerd), or set sandbox.runtime to runc.',
    );
  }
}

/** A tier refuses an OCI runtime it cannot run under, saying why, before anything is started. */
export function assertTierRunsOn(tier: DockerTier, runtime: string): void {
  const why = tier.refusedRuntimes?.[runtime];
  if (why) throw new Error(`sandbox.mode ${tier.mode} cannot run under sandbox.runtime ${runtime}: ${why}.`);
}

/**
 * A launcher of the tier's containers before the worker is built, for the
 * start-up checks that must start one (nested/nested-host.check.ts). Its
 * containers carry an instance of their own that never beats: should the
 * worker die during the check, any worker's orphan reaper removes them.
 */
export function startupLauncher(config: KilnConfig, tier: DockerTier, docker = new Docker()): ContainerLauncher {
  return new ContainerLauncher(docker, config, new WorkerIdentity(config), new ContainerSpecBuilder(config, tier), new WorkerMetrics(), tier);
}
