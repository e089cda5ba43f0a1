import Redis from 'ioredis';
import request from 'supertest';
import { TEST_REDIS_URL } from '../support/environment';
import { deleteKeys, REPO_ROOT } from '../support/kiln-harness';
import { eventually } from '../support/waiting';
import { freePort, KilnProcess, spawnKiln } from '../support/processes';
import { testPrefix } from '../support/test-run';

/** Foundation acceptance 5: one coordinator and two worker processes on one Redis. */
describe('split mode: kiln coordinator + 2 × kiln worker', () => {
  const prefix = testPrefix('split');
  let processes: KilnProcess[] = [];
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = { KILN_HOME: REPO_ROOT, KILN_REDIS__URL: TEST_REDIS_URL, KILN_REDIS__PREFIX: prefix, KILN_NODES__HEARTBEAT_MS: '1000', KILN_LOGGING__LEVEL: 'warn' };
    processes = [
      spawnKiln('coordinator', { ...env, KILN_COORDINATOR__PORT: String(port) }),
      spawnKiln('worker', { ...env, KILN_WORKER__ID: 'worker-a', KILN_WORKER__CONCURRENCY: '2' }),
      spawnKiln('worker', { ...env, KILN_WORKER__ID: 'worker-b', KILN_WORKER__CONCURRENCY: '2' }),
    ];
    await eventually(
      () => request(url).get('/health').then((r) => r.body, () => ({})),
      (body) => body?.workers?.dockerReady === 2,
      // Three Node processes booting at once on a shared 2-core machine: their boot is not what this suite times.
      60_000,
      () => `the cluster to come up with 2 workers; the processes said:\n${processes.map((p) => p.output()).join('\n---\n')}`,
    );
  });

  afterAll(async () => {
    const codes = await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0]);
    const redis = new Redis(TEST_REDIS_URL);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('runs 20 concurrent jobs to completion, spread over both workers', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) => request(url).post('/execute').send({ language: 'python', code: `print(${n} * 2)` })),
    );
    answers.forEach((answer, n) => {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: `${n * 2}\n` } });
    });
    const workers = new Set(answers.map((a) => a.body.tasks.find((t: { id: string }) => t.id === 'run').workerId));
    expect([...workers].sort()).toEqual(['worker-a', 'worker-b']);
  });
});
