import { INestApplicationContext, Logger, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { KilnConfigModule, LoadedConfig } from '@kiln/config';
import { JsonLogger } from '@kiln/telemetry';
import { workerId } from './identity/worker-identity';
import { configuredRuntime, givenRuntime } from './runtime-choice';
import { SandboxRuntime } from './sandbox/sandbox-runtime';
import { WorkerModule } from './worker.module';

/** The worker's id, for a process that logs as more than the worker (standalone: run-modes.ts). */
export { workerId };

export interface WorkerOptions {
  /**
   * A sandbox runtime to use instead of the configured one. Only code can
   * pass it (the test harness passes a scripted one, test/support/README.md);
   * configuration cannot.
   */
  runtime?: SandboxRuntime;
  /** The process's logger when the worker shares its process (standalone); else its own, `service: worker`. */
  logger?: LoggerService;
}

/** Starts a worker: an application context with no HTTP server. */
export async function bootstrapWorker(loaded: LoadedConfig, options: WorkerOptions = {}): Promise<INestApplicationContext> {
  const runtime = options.runtime ? givenRuntime(options.runtime) : await configuredRuntime(loaded);
  @Module({ imports: [KilnConfigModule.forRoot(loaded), WorkerModule.withRuntime(runtime)] })
  class WorkerRootModule {}
  const logger = options.logger ?? new JsonLogger(loaded.config.logging.level, { service: 'worker', workerId: workerId(loaded.config) });
  const worker = await NestFactory.createApplicationContext(WorkerRootModule, { logger });
  const { mode, reason } = runtime.choice;
  new Logger('SandboxChoice').log(`sandbox mode ${mode}: ${reason}`);
  return worker;
}
