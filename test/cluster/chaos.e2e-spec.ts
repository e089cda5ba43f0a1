import http from 'node:http';
import request from 'supertest';
import { REPO_ROOT } from '../support/kiln-harness';
import { sandboxesOf } from '../support/sandboxes';
import { eventually, pause, remains } from '../support/waiting';
import { PrivateRedis } from '../support/private-redis';
import { freePort, KilnProcess, spawnKiln } from '../support/processes';
import { testPrefix } from '../support/test-run';

interface Expectation {
  body: Record<string, unknown>;
  verdict: string;
  stdout?: string;
}

/** A mixed load: successes, runtime errors, timeouts, compile errors, in four languages. */
function mixedJob(n: number): Expectation {
  switch (n % 6) {
    case 0:
      return { body: { language: 'python', code: `print(${n})` }, verdict: 'OK', stdout: `${n}\n` };
    case 1:
      return { body: { language: 'bash', code: `echo ${n}; exit 3` }, verdict: 'RUNTIME_ERROR', stdout: `${n}\n` };
    case 2:
      return { body: { language: 'python', code: 'while True: pass', limits: { timeoutMs: 500 } }, verdict: 'TIMEOUT' };
    case 3:
      return { body: { language: 'c', code: 'int main(void) { return 0 }' }, verdict: 'COMPILE_ERROR' };
    case 4:
      return { body: { language: 'c', code: `#include <stdio.h>\nint main(void){ printf("%d\\n", ${n}); return 0; }` }, verdict: 'OK', stdout: `${n}\n` };
    default:
      return { body: { language: 'javascript', code: `console.log(${n})` }, verdict: 'OK', stdout: `${n}\n` };
  }
}

interface WebhookCounter {
  server: http.Server;
  url: string;
  deliveries: Map<string, number>;
  /** Jobs delivered at least once. */
  total: () => number;
}

/** Counts webhook deliveries per job: the one observable effect of a job outside Kiln. */
function webhookCounter(): Promise<WebhookCounter> {
  const deliveries = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    const id = String(req.headers['x-kiln-job']);
    deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
    res.writeHead(204).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
        deliveries,
        total: () => deliveries.size,
      }),
    ),
  );
}

/**
 * Issue 6, acceptances 1 and 2: a cluster of processes on its own Redis keeps
 * every promise while its parts are killed and restarted.
 *
 * @system-serial 300 jobs through a cluster of four processes whose parts are killed on deadlines: the machine's
 * whole load, and deadlines a neighbour would move.
 */
describe('the cluster under faults', () => {
  const WORKERS = ['w1', 'w2', 'w3'];
  /** How long a killed process (or Redis) stays down before it is started again. */
  const DOWNTIME_MS = 1000;
  const redis = new PrivateRedis();
  const prefix = testPrefix('chaos');
  const processes = new Map<string, KilnProcess>();
  let port: number;
  let url: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    await redis.start();
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      KILN_HOME: REPO_ROOT,
      KILN_REDIS__URL: redis.url,
      KILN_REDIS__PREFIX: prefix,
      KILN_LOGGING__LEVEL: 'warn',
      KILN_COORDINATOR__PORT: String(port),
      KILN_NODES__TIMEOUT_MS: '4000',
      KILN_COORDINATOR__WEBHOOKS__SECRET: 'chaos-webhook-secret',
      KILN_COORDINATOR__WEBHOOKS__ALLOW_PRIVATE: 'true',
      KILN_NODES__HEARTBEAT_MS: '1000',
      KILN_WORKER__CONCURRENCY: '2',
      KILN_WORKER__LOCK_DURATION_MS: '5000',
      KILN_WORKER__STALLED_INTERVAL_MS: '2000',
      KILN_SANDBOX__REAPER_INTERVAL_MS: '2000',
      // No idle warm pool: "nothing left" below counts every sandbox of live
      // workers too. A crashed worker's pool is reaped in worker-crash.e2e-spec.
      KILN_SANDBOX__POOL__SIZE: '0',
      // Container mode: nested mode keeps its outer containers for the next tasks, whatever the pool size.
      KILN_SANDBOX__MODE: 'container',
    };
  });

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM')));
    await redis.stop();
  });

  const start = (name: string, mode: string, extra: Record<string, string> = {}) => {
    processes.set(name, spawnKiln(mode, { ...env, ...extra }));
  };
  const startWorker = (id: string) => start(id, 'worker', { KILN_WORKER__ID: id });
  const kill = async (name: string) => {
    const process = processes.get(name)!;
    process.child.kill('SIGKILL');
    await process.exited;
  };
  const workersUp = (count: number) =>
    eventually(() => request(url).get('/health').then((r) => r.body, () => ({})), (body) => body?.workers?.dockerReady === count, 40_000, `${count} workers up`);
  /** The coordinator and three workers, each started again if it is not running (a test never relies on what an earlier one left). */
  const clusterUp = async () => {
    const running = (name: string) => processes.get(name)?.child.exitCode === null && processes.get(name)?.child.signalCode === null;
    if (!running('coordinator')) start('coordinator', 'coordinator');
    for (const id of WORKERS.filter((worker) => !running(worker))) startWorker(id);
    await workersUp(WORKERS.length);
  };
  const submit = async (jobs: Expectation[], webhook: string) => {
    const ids: string[] = [];
    for (let i = 0; i < jobs.length; i += 25) {
      const batch = jobs.slice(i, i + 25).map((job) => request(url).post('/jobs').send({ ...job.body, webhook }));
      for (const response of await Promise.all(batch)) {
        expect(response.status).toBe(202);
        ids.push(response.body.id);
      }
    }
    return ids;
  };
  const delivered = (hooks: WebhookCounter, count: number, timeoutMs: number) =>
    eventually(async () => hooks.total(), (total) => total >= count, timeoutMs, `webhooks of ${count} jobs`);
  const verify = async (ids: string[], jobs: Expectation[]) => {
    for (const [index, id] of ids.entries()) {
      const job = (await request(url).get(`/jobs/${id}`)).body;
      const expected = jobs[index];
      expect({ index, state: job.state, verdict: job.verdict }).toEqual({ index, state: 'COMPLETED', verdict: expected.verdict });
      if (expected.stdout !== undefined) expect(job.run.stdout).toBe(expected.stdout);
    }
  };
  const noSandboxLeft = () => eventually(() => sandboxesOf(prefix), (list) => list.length === 0, 30_000, 'no sandbox of the deployment left');

  // The waits below, each bounded: workers 40 s, three stages of deliveries 120 + 120 + 240 s, duplicates 2 s, leftovers 30 s.
  it('300 mixed jobs survive a SIGKILLed worker and a restarted coordinator: all correct, none lost, none duplicated, nothing left', async () => {
    const hooks = await webhookCounter();
    try {
      await clusterUp();
      const jobs = Array.from({ length: 300 }, (_, n) => mixedJob(n));
      const ids = await submit(jobs, hooks.url);

      await delivered(hooks, 60, 120_000);
      await kill('w2');
      await pause(DOWNTIME_MS);
      startWorker('w2');

      await delivered(hooks, 150, 120_000);
      await kill('coordinator');
      await pause(DOWNTIME_MS);
      start('coordinator', 'coordinator');

      await delivered(hooks, 300, 240_000);
      expect(hooks.total()).toBe(300);
      await verify(ids, jobs);
      // A duplicate delivery would come from a task run twice: none comes for a while after the last.
      await remains(async () => [...hooks.deliveries.values()], (counts) => counts.every((count) => count === 1), 2000, 'one delivery per job');
      await noSandboxLeft();
    } finally {
      hooks.server.close();
    }
  }, 600_000);

  // The waits below: workers 40 s, deliveries 120 + 180 s, leftovers 30 s.
  it('a Redis restart mid-load loses no accepted job', async () => {
    const hooks = await webhookCounter();
    try {
      await clusterUp();
      const jobs = Array.from({ length: 60 }, (_, n) => mixedJob(n));
      const ids = await submit(jobs, hooks.url);
      await delivered(hooks, 15, 120_000);
      await redis.restart(DOWNTIME_MS);
      await delivered(hooks, 60, 180_000);
      expect(hooks.total()).toBe(60);
      await verify(ids, jobs);
      await noSandboxLeft();
    } finally {
      hooks.server.close();
    }
  }, 420_000);
});
