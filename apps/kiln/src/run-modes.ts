import { INestApplication, INestApplicationContext, Logger } from '@nestjs/common';
import { ChildProcess } from 'node:child_process';
import { LoadedConfig, RunMode } from '@kiln/config';
import { redactRedisUrl } from '@kiln/redis';
import { bootstrapCoordinator } from '../../coordinator/src/coordinator.bootstrap';
import { bootstrapWorker } from '../../worker/src/worker.bootstrap';
import { ensureRedis, redisAnswers } from './embedded-redis';

const logger = new Logger('kiln');

export interface RunningKiln {
  coordinator?: INestApplication;
  worker?: INestApplicationContext;
  redis?: ChildProcess | null;
  close(): Promise<void>;
}

/**
 * Starts one mode. Standalone runs the worker and the coordinator in this
 * process (and may start a private Redis); the split modes start one each.
 */
export async function startKiln(mode: RunMode, loaded: LoadedConfig): Promise<RunningKiln> {
  const { config } = loaded;
  const redis = mode === 'standalone' ? await ensureRedis(config.redis.url, config.redis.embedded, loaded.home, (m) => logger.log(m)) : null;
  if (!redis && !(await redisAnswers(config.redis.url))) {
    throw new Error(`no Redis answers at ${redactRedisUrl(config.redis.url)}; start it or set KILN_REDIS__URL`);
  }
  const worker = mode === 'coordinator' ? undefined : await bootstrapWorker(loaded);
  const coordinator = mode === 'worker' ? undefined : await bootstrapCoordinator(loaded);
  if (coordinator) logger.log(`coordinator listening on http://${config.coordinator.host}:${config.coordinator.port}`);
  if (worker) logger.log(`worker running ${config.worker.concurrency} task(s) at once`);
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
