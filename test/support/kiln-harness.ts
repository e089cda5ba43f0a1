import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { LoadedConfig, loadConfig } from '@kiln/config';
import { createCoordinator } from '../../apps/coordinator/src/coordinator.bootstrap';
import { SandboxRuntime } from '../../apps/worker/src/sandbox/sandbox-runtime';
import { bootstrapWorker } from '../../apps/worker/src/worker.bootstrap';
import { TEST_REDIS_URL } from './environment';
import { testPrefix } from './test-run';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface Harness {
  loaded: LoadedConfig;
  prefix: string;
  env: Record<string, string>;
  coordinator?: INestApplication;
  worker?: INestApplicationContext;
  http: () => ReturnType<typeof request>;
  redis: Redis;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** The deployment's Redis prefix (and container label), when the test must know it before Kiln starts. */
  prefix?: string;
  worker?: boolean;
  coordinator?: boolean;
  /** The worker's sandboxes from this runtime instead of Docker (a ScriptedSandboxRuntime: test/support/README.md). */
  runtime?: SandboxRuntime;
}

/**
 * Kiln in this process against the real Redis (and, with a worker, the real
 * Docker engine), isolated by a fresh key prefix so suites never see each
 * other's queues or jobs.
 */
export async function startKiln(options: HarnessOptions = {}): Promise<Harness> {
  const prefix = options.prefix ?? testPrefix();
  const env: Record<string, string> = {
    KILN_HOME: REPO_ROOT,
    KILN_REDIS__URL: TEST_REDIS_URL,
    KILN_REDIS__PREFIX: prefix,
    KILN_REDIS__EMBEDDED: 'false',
    KILN_WORKER__ID: `${prefix}-worker`,
    KILN_NODES__HEARTBEAT_MS: '1000',
    KILN_LOGGING__LEVEL: 'warn',
    KILN_TELEMETRY__METRICS__WORKER_PORT: '0',
    ...options.env,
  };
  const loaded = loadConfig({ ...process.env, ...env });
  const worker = options.worker === false ? undefined : await bootstrapWorker(loaded, { runtime: options.runtime });
  let coordinator: INestApplication | undefined;
  if (options.coordinator !== false) {
    coordinator = await createCoordinator(loaded);
    await coordinator.init();
  }
  // The Redis the deployment uses (a test may give it one of its own).
  const redis = new Redis(env.KILN_REDIS__URL);
  return {
    loaded,
    prefix,
    env,
    coordinator,
    worker,
    redis,
    http: () => request(coordinator!.getHttpServer()),
    async close() {
      await coordinator?.close();
      await worker?.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
