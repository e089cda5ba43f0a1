import Redis from 'ioredis';
import request from 'supertest';
import { TEST_REDIS_URL } from './environment';
import { deleteKeys, REPO_ROOT } from './kiln-harness';
import { freePort, KilnProcess, spawnKiln } from './processes';
import { eventually } from './waiting';

/** A `kiln coordinator` and `kiln worker` processes on one Redis prefix of this run. */
export interface SplitCluster {
  url: string;
  coordinator: KilnProcess;
  workers: KilnProcess[];
  /** SIGTERM to every process, the prefix's keys deleted; each process's exit code (coordinator first). */
  stop(): Promise<(number | null)[]>;
}

export interface SplitClusterOptions {
  /** Environment of every process (after the cluster's own: home, Redis, prefix, heartbeat, log level). */
  env?: Record<string, string>;
  /** One entry per worker process: its own environment. */
  workers: Record<string, string>[];
}

/**
 * Starts the processes and waits until the coordinator's /health counts every
 * worker with a working engine. Several Node processes booting at once on a
 * shared 2-core machine: their boot is not what a suite times (60 s).
 */
export async function startSplitCluster(prefix: string, { env = {}, workers }: SplitClusterOptions): Promise<SplitCluster> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const shared = { KILN_HOME: REPO_ROOT, KILN_REDIS__URL: TEST_REDIS_URL, KILN_REDIS__PREFIX: prefix, KILN_NODES__HEARTBEAT_MS: '1000', KILN_LOGGING__LEVEL: 'warn', ...env };
  const coordinator = spawnKiln('coordinator', { ...shared, KILN_COORDINATOR__PORT: String(port) });
  const workerProcesses = workers.map((own) => spawnKiln('worker', { ...shared, ...own }));
  const all = [coordinator, ...workerProcesses];
  await eventually(
    () => request(url).get('/health').then((r) => r.body, () => ({})),
    (body) => body?.workers?.dockerReady === workers.length,
    60_000,
    () => `the cluster to come up with ${workers.length} worker(s); the processes said:\n${all.map((p) => p.output()).join('\n---\n')}`,
  );
  return {
    url,
    coordinator,
    workers: workerProcesses,
    async stop() {
      const codes = await Promise.all(all.map((p) => p.stop('SIGTERM')));
      const redis = new Redis(TEST_REDIS_URL);
      await deleteKeys(redis, prefix);
      redis.disconnect();
      return codes;
    },
  };
}
