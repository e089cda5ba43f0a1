import Docker from 'dockerode';
import http from 'node:http';
import request from 'supertest';
import { REPO_ROOT } from '../support/kiln-harness';
import { eventually } from '../support/waiting';
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

/** Counts webhook deliveries per job: the one observable effect of a job outside Kiln. */
function webhookCounter(): Promise<{ server: http.Server; url: string; deliveries: Map<string, number>; total: () => number }> {
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
 */
describe('the cluster under faults', () => {
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
      KILN_COORDINATOR__WORKER_TIMEOUT_MS: '4000',
      KILN_COORDINATOR__WEBHOOKS__SECRET: 'chaos-webhook-secret',
      KILN_COORDINATOR__WEBHOOKS__ALLOW_PRIVATE: 'true',
      KILN_WORKER__HEARTBEAT_MS: '1000',
      KILN_WORKER__CONCURRENCY: '2',
      KILN_WORKER__LOCK_DURATION_MS: '5000',
      KILN_WORKER__STALLED_INTERVAL_MS: '2000',
      KILN_SANDBOX__REAPER_INTERVAL_MS: '2000',
      // No idle warm pool: "nothing left" below counts every sandbox of live
      // workers too. A crashed worker's pool is reaped in worker-crash.e2e-spec.
      KILN_SANDBOX__POOL__SIZE: '0',
    };
  });

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM')));
    await redis.stop();
  });

  const start = (name: string, mode: string, extra: Record<string, string> = {}) => {
    processes.set(name, spawnKiln(mode, { ...env, ...extra }));
  };
  const kill = async (name: string) => {
    const process = processes.get(name)!;
    process.child.kill('SIGKILL');
    await process.exited;
  };
  const workersUp = (count: number) =>
    eventually(() => request(url).get('/health').then((r) => r.body, () => ({})), (body) => body?.workers?.dockerReady === count, 40_000);
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
  const waitFor = async (condition: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  };
  const verify = async (ids: string[], jobs: Expectation[]) => {
    for (const [index, id] of ids.entries()) {
      const job = (await request(url).get(`/jobs/${id}`)).body;
      const expected = jobs[index];
      expect({ index, state: job.state, verdict: job.verdict }).toEqual({ index, state: 'COMPLETED', verdict: expected.verdict });
      if (expected.stdout !== undefined) expect(job.run.stdout).toBe(expected.stdout);
    }
  };
  const noSandboxLeft = () =>
    eventually(
      () => new Docker().listContainers({ all: true, filters: { label: ['kiln.sandbox=1', `kiln.deployment=${prefix}`] } }),
      (list) => list.length === 0,
      30_000,
    );

  it('300 mixed jobs survive a SIGKILLed worker and a restarted coordinator: all correct, none lost, none duplicated, nothing left', async () => {
    const hooks = await webhookCounter();
    try {
      start('coordinator', 'coordinator');
      for (const id of ['w1', 'w2', 'w3']) start(id, 'worker', { KILN_WORKER__ID: id });
      await workersUp(3);
      const jobs = Array.from({ length: 300 }, (_, n) => mixedJob(n));
      const ids = await submit(jobs, hooks.url);

      await waitFor(() => hooks.total() >= 60, 120_000);
      await kill('w2');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      start('w2', 'worker', { KILN_WORKER__ID: 'w2' });

      await waitFor(() => hooks.total() >= 150, 120_000);
      await kill('coordinator');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      start('coordinator', 'coordinator');

      await waitFor(() => hooks.total() >= 300, 240_000);
      expect(hooks.total()).toBe(300);
      await verify(ids, jobs);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect([...hooks.deliveries.values()].every((count) => count === 1)).toBe(true);
      expect(await noSandboxLeft()).toEqual([]);
    } finally {
      hooks.server.close();
    }
  });

  it('a Redis restart mid-load loses no accepted job', async () => {
    const hooks = await webhookCounter();
    try {
      await workersUp(3);
      const jobs = Array.from({ length: 60 }, (_, n) => mixedJob(n));
      const ids = await submit(jobs, hooks.url);
      await waitFor(() => hooks.total() >= 15, 120_000);
      await redis.restart(1000);
      await waitFor(() => hooks.total() >= 60, 180_000);
      expect(hooks.total()).toBe(60);
      await verify(ids, jobs);
      expect(await noSandboxLeft()).toEqual([]);
    } finally {
      hooks.server.close();
    }
  });
});
