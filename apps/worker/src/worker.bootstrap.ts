import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Docker from 'dockerode';
import { KilnConfigModule, LoadedConfig } from '@kiln/config';
import { JsonLogger } from '@kiln/telemetry';
import { workerId } from './heartbeat/worker-identity';
import { seccompSecurityOpt } from './sandbox/seccomp-profile';
import { WorkerModule } from './worker.module';

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
        'Install and register it (e.g. gVisor: `runsc install`, then restart dockerd), or set sandbox.runtime to runc.',
    );
  }
}

/** Starts a worker: an application context with no HTTP server. */
export async function bootstrapWorker(loaded: LoadedConfig): Promise<INestApplicationContext> {
  await assertDockerReachable();
  await assertRuntimeAvailable(loaded.config.sandbox.runtime);
  // An operator's seccomp profile that cannot be used stops the worker here, not at its first task.
  seccompSecurityOpt(loaded.config.sandbox);
  @Module({ imports: [KilnConfigModule.forRoot(loaded), WorkerModule] })
  class WorkerRootModule {}
  const logger = new JsonLogger(loaded.config.logging.level, { service: 'worker', workerId: workerId(loaded.config) });
  return NestFactory.createApplicationContext(WorkerRootModule, { logger });
}
