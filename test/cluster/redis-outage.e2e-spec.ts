import request from 'supertest';
import { SHUTDOWN_MARGIN_MS } from '../../apps/kiln/src/shutdown-deadline';
import { REPO_ROOT } from '../support/kiln-harness';
import { eventually } from '../support/waiting';
import { isContainerOfJob, sandboxesOf } from '../support/sandboxes';
import { jobsSubmitted } from '../support/coordinator-metrics';
import { PrivateRedis } from '../support/private-redis';
import { freePort, KilnProcess, spawnKiln } from '../support/processes';
import { testPrefix } from '../support/test-run';

const GRACE_MS = 3000;

/**
 * Issue 12, acceptance 7: processes started while Redis is down wait for it; SIGTERM with Redis gone still ends them in time.
 *
 * @system-serial processes ended by SIGTERM must be gone within a deadline of a few seconds.
 */
describe('a cluster whose Redis is down', () => {
  let redis: PrivateRedis;
  let prefix: string;
  let url: string;
  let env: Record<string, string>;
  let processes: KilnProcess[];

  beforeEach(async () => {
    redis = new PrivateRedis();
    redis.port = await freePort();
    prefix = testPrefix('outage');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    processes = [];
    env = {
      KILN_HOME: REPO_ROOT,
      KILN_REDIS__URL: redis.url,
      KILN_REDIS__PREFIX: prefix,
      KILN_REDIS__STARTUP_WAIT_MS: '120000',
      KILN_LOGGING__LEVEL: 'warn',
      KILN_COORDINATOR__PORT: String(port),
      KILN_COORDINATOR__SHUTDOWN_GRACE_MS: String(GRACE_MS),
      KILN_WORKER__SHUTDOWN_GRACE_MS: String(GRACE_MS),
      KILN_WORKER__ID: `${prefix}-worker`,
      KILN_NODES__HEARTBEAT_MS: '1000',
      KILN_SANDBOX__POOL__SIZE: '0',
    };
  });

  afterEach(async () => {
    // SIGTERM: a worker removes its sandboxes on the way out, Redis or not (what this test checks).
    await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    await redis.stop();
  });

  const spawn = (mode: string) => {
    const process = spawnKiln(mode, env);
    processes.push(process);
    return process;
  };
  const sandboxes = () => sandboxesOf(prefix);
  const serving = () => eventually(() => request(url).get('/health').then((r) => r.status, () => 0), (status) => status === 200, 60_000);

  it('a coordinator and a worker started while it is down wait, saying so, and serve once it is back', async () => {
    const coordinator = spawn('coordinator');
    const worker = spawn('worker');
    // The first line comes after the process's boot, which a loaded 2-core machine stretches past 20 s: not what is timed here.
    for (const process of [coordinator, worker]) {
      await eventually(async () => process.output(), (output) => output.includes(`waiting for Redis at ${redis.url}`), 60_000);
    }
    await expect(request(url).get('/languages')).rejects.toThrow(/ECONNREFUSED/);
    expect([coordinator.child.exitCode, worker.child.exitCode]).toEqual([null, null]);

    await redis.start();
    expect(await serving()).toBe(200);
    const answer = await request(url).post('/execute').send({ language: 'bash', code: 'echo after the wait' });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'after the wait\n' } });
  });

  it('SIGTERM with Redis gone ends the coordinator and the worker within their grace period, a task running, nothing left behind', async () => {
    await redis.start();
    const coordinator = spawn('coordinator');
    const worker = spawn('worker');
    expect(await serving()).toBe(200);
    const accepted = await request(url).post('/jobs').send({ language: 'bash', code: 'sleep 60', limits: { timeoutMs: 30000 } });
    const id = accepted.body.id as string;
    await eventually(() => request(url).get(`/jobs/${id}`).then((r) => r.body.state), (state) => state === 'RUNNING', 20_000);
    await eventually(sandboxes, (list) => list.some((c) => isContainerOfJob(c, id)), 10_000, "the job's sandbox");
    // An /execute waiting for its job: the coordinator's grace period is for it.
    const waiting = request(url).post('/execute').send({ language: 'bash', code: 'sleep 60', limits: { timeoutMs: 30000 } }).then((r) => r, (e: Error) => e);
    await eventually(() => jobsSubmitted(url), (count) => count === 2, 10_000, 'the waiting /execute to have its job');

    await redis.stop();
    const stopping = Date.now();
    coordinator.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    const [coordinatorExit, workerExit] = await Promise.all([coordinator.exited, worker.exited]);
    const tookMs = Date.now() - stopping;

    expect({ coordinatorExit, workerExit }).toEqual({ coordinatorExit: 0, workerExit: 0 });
    expect(tookMs).toBeLessThan(GRACE_MS + SHUTDOWN_MARGIN_MS);
    const answer = await waiting;
    expect(answer).toMatchObject({ status: 503, body: { error: expect.stringContaining('shutting down') } });
    // The worker removed its sandbox itself: Docker needs no Redis.
    expect(await sandboxes()).toEqual([]);
    expect(worker.output()).toContain('Redis does not answer');
  });
});
