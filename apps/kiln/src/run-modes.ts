import { INestApplication, INestApplicationContext, Logger } from '@nestjs/common';
import { ChildProcess } from 'node:child_process';
import { LoadedConfig, RunMode } from '@kiln/config';
import { redactRedisUrl, waitForRedis } from '@kiln/redis';
import { JsonLogger } from '@kiln/telemetry';
import { bootstrapCoordinator } from '../../coordinator/src/coordinator.bootstrap';
import { bootstrapWorker, workerId } from '../../worker/src/worker.bootstrap';
import { ensureRedis } from './embedded-redis';

const logger = new Logger('kiln');

export interface RunningKiln {
  coordinator?: INestApplication;
  worker?: INestApplicationContext;
  redis?: ChildProcess | null;
  close(): Promise<void>;
}

/**
 * Starts one mode. Every mode first waits for Redis (redis.startupWaitMs,
 * saying what it waits for; `stop` ends the wait); standalone may instead
 * start a private Redis. Then standalone runs the worker and the coordinator
 * in this process; the split modes start one each.
 */
export async function startKiln(mode: RunMode, loaded: LoadedConfig, stop?: AbortSignal): Promise<RunningKiln> {
  const { config } = loaded;
  // One JSON logger for the whole process, from its first line: Nest's Logger instances all write through
  // the last one an app was given, so in standalone the worker's lines would otherwise say the coordinator's.
  const processLogger = new JsonLogger(config.logging.level, mode === 'coordinator' ? { service: mode } : { service: mode, workerId: workerId(config) });
  Logger.overrideLogger(processLogger);
  const embedded = mode === 'standalone' ? await ensureRedis(config.redis.url, config.redis.embedded, loaded.home, (m) => logger.log(m)) : { child: null };
  if (!embedded.child) {
    if (embedded.notStarted) logger.warn(`no Redis answers at ${redactRedisUrl(config.redis.url)}, and standalone does not start its own (${embedded.notStarted})`);
    const hint = embedded.notStarted && `(standalone did not start its own: ${embedded.notStarted})`;
    await waitForRedis(config.redis.url, { waitMs: config.redis.startupWaitMs, log: (m) => logger.warn(m), signal: stop, hint });
  }
  const redis = embedded.child;
  const worker = mode === 'coordinator' ? undefined : await bootstrapWorker(loaded, { logger: processLogger });
  const coordinator = mode === 'worker' ? undefined : await bootstrapCoordinator(loaded, { logger: processLogger });
  if (coordinator) logger.log(`coordinator listening on http://${config.coordinator.host}:${config.coordinator.port}`);
  if (worker) logger.log(`worker running ${config.worker.concurrency} task(s) at once${sizedNote(loaded)}`);
  return {
    coordinator,
    worker,
    redis,
    async close() {
      // The coordinator stops accepting first; the worker then finishes and removes its sandboxes.
      await coordinator?.close();
      await worker?.close();
      redis?.kill('SIGTERM');
    },
  };
}

/** The keys sized from this machine (`auto`), as the start-up log says them. */
function sizedNote({ config, sizing }: LoadedConfig): string {
  const values: Record<string, number> = {
    'worker.concurrency': config.worker.concurrency,
    'sandbox.pool.size': config.sandbox.pool.size,
    'sandbox.pool.launchConcurrency': config.sandbox.pool.launchConcurrency,
  };
  const sized = Object.entries(sizing).map(([key, how]) => `${key} ${values[key]} (auto: ${how})`);
  return sized.length ? `; sized from this machine: ${sized.join(', ')}` : '';
}
