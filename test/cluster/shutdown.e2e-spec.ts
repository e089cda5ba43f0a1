import request from 'supertest';
import { Harness, startKiln } from '../support/kiln-harness';
import { jobsSubmitted } from '../support/coordinator-metrics';
import { sandboxesOf } from '../support/sandboxes';
import { eventually } from '../support/waiting';
import { freePort, KilnProcess, spawnKiln } from '../support/processes';

/**
 * Issue 6, acceptance 3 and the coordinator's side of graceful shutdown.
 *
 * @system-serial processes ended by SIGTERM must be gone within their grace deadlines of a few seconds.
 */
describe('graceful shutdown of a worker (SIGTERM)', () => {
  let kiln: Harness;
  const workers: KilnProcess[] = [];

  beforeAll(async () => {
    kiln = await startKiln({ worker: false });
  });

  afterAll(async () => {
    // SIGTERM: a worker drains its warm pool on the way out (SIGKILL would leave it to a reaper).
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    await kiln?.close();
  });

  const spawnWorker = (id: string, env: Record<string, string> = {}) => {
    const worker = spawnKiln('worker', { ...kiln.env, KILN_WORKER__ID: id, KILN_WORKER__CONCURRENCY: '2', ...env });
    workers.push(worker);
    return worker;
  };
  const job = (id: string) => kiln.http().get(`/jobs/${id}`).then((r) => r.body);
  const runTask = (body: { tasks: { id: string; workerId: string | null }[] }) => body.tasks.find((t) => t.id === 'run')!;

  it('lets its 2 running tasks finish, then exits within the deadline, leaving no container', async () => {
    const worker = spawnWorker('finisher', { KILN_WORKER__SHUTDOWN_GRACE_MS: '20000' });
    await eventually(() => kiln.http().get('/health').then((r) => r.status), (s) => s === 200, 30_000);
    const ids = await Promise.all(
      [1, 2].map(async (n) => (await kiln.http().post('/jobs').send({ language: 'bash', code: `sleep 2; echo done ${n}` })).body.id as string),
    );
    await eventually(() => Promise.all(ids.map(job)), (jobs) => jobs.every((j) => j.state === 'RUNNING'), 15_000);
    const stopping = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(20_000);
    for (const [n, id] of ids.entries()) {
      const done = await job(id);
      expect(done).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: `done ${n + 1}\n` } });
      expect(runTask(done).workerId).toBe('finisher');
    }
    expect(await sandboxesOf(kiln.prefix)).toEqual([]);
  });

  it('past its grace period hands the tasks back; they finish on another worker', async () => {
    const leaving = spawnWorker('leaving', { KILN_WORKER__SHUTDOWN_GRACE_MS: '1000' });
    await eventually(() => kiln.http().get('/nodes').then((r) => r.body), (nodes) => nodes.some((n: { id: string; status: string }) => n.id === 'leaving' && n.status === 'UP'), 30_000);
    const ids = await Promise.all(
      [1, 2].map(async (n) => (await kiln.http().post('/jobs').send({ language: 'bash', code: `sleep 4; echo moved ${n}`, limits: { timeoutMs: 20000 } })).body.id as string),
    );
    await eventually(() => Promise.all(ids.map(job)), (jobs) => jobs.every((j) => j.state === 'RUNNING' && runTask(j).workerId === 'leaving'), 15_000);
    spawnWorker('staying');
    const stopping = Date.now();
    leaving.child.kill('SIGTERM');
    expect(await leaving.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    const finished = await eventually(() => Promise.all(ids.map(job)), (jobs) => jobs.every((j) => j.state === 'COMPLETED'), 40_000);
    finished.forEach((done, n) => {
      expect(done).toMatchObject({ verdict: 'OK', run: { stdout: `moved ${n + 1}\n` } });
      expect(runTask(done).workerId).toBe('staying');
    });
  });
});

describe('graceful shutdown of a coordinator (SIGTERM)', () => {
  let worker: Harness;

  beforeAll(async () => {
    worker = await startKiln({ coordinator: false });
  });

  afterAll(async () => {
    await worker?.close();
  });

  const spawnCoordinator = async (graceMs: number) => {
    const port = await freePort();
    const coordinator = spawnKiln('coordinator', { ...worker.env, KILN_COORDINATOR__PORT: String(port), KILN_COORDINATOR__SHUTDOWN_GRACE_MS: String(graceMs) });
    const url = `http://127.0.0.1:${port}`;
    await eventually(() => request(url).get('/health').then((r) => r.status, () => 0), (s) => s === 200, 30_000);
    return { coordinator, url };
  };

  it('answers the /execute in flight, then exits; new connections are refused', async () => {
    const { coordinator, url } = await spawnCoordinator(20_000);
    const answer = request(url).post('/execute').send({ language: 'bash', code: 'sleep 2; echo answered' }).then((r) => r);
    await eventually(() => jobsSubmitted(url), (count) => count === 1, 10_000, 'the /execute in flight to have its job');
    coordinator.child.kill('SIGTERM');
    const response = await answer;
    expect(response.status).toBe(200);
    expect(response.body.run.stdout).toBe('answered\n');
    expect(await coordinator.exited).toBe(0);
    await expect(request(url).get('/health')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('past its grace period answers a waiting /execute with 503 and the job id (the job goes on)', async () => {
    const { coordinator, url } = await spawnCoordinator(1000);
    const answer = request(url).post('/execute').send({ language: 'bash', code: 'sleep 4; echo later', limits: { timeoutMs: 10000 } }).then((r) => r);
    await eventually(() => jobsSubmitted(url), (count) => count === 1, 10_000, 'the waiting /execute to have its job');
    coordinator.child.kill('SIGTERM');
    const response = await answer;
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: expect.stringContaining('shutting down'), id: expect.any(String) });
    expect(await coordinator.exited).toBe(0);
  });
});
