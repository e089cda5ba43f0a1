import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Docker from 'dockerode';
import { KilnConfigModule, LoadedConfig, nestLogLevels } from '@kiln/config';
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

/** Starts a worker: an application context with no HTTP server. */
export async function bootstrapWorker(loaded: LoadedConfig): Promise<INestApplicationContext> {
  await assertDockerReachable();
  @Module({ imports: [KilnConfigModule.forRoot(loaded), WorkerModule] })
  class WorkerRootModule {}
  return NestFactory.createApplicationContext(WorkerRootModule, { logger: nestLogLevels(loaded.config.logging.level) });
}
