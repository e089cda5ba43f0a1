import { StuckJobSweeper } from '../../apps/coordinator/src/events/stuck-job-sweeper';
import { DockerProxy, startWorkerBehind } from '../support/docker-proxy';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually, remains } from '../support/waiting';

/** Issue 6, faults: a Docker engine that goes away is not the program's fault, and nothing waits forever. */
describe('the Docker engine goes away mid-task', () => {
  const proxy = new DockerProxy();
  let kiln: Harness;
  let worker: Harness;

  beforeAll(async () => {
    await proxy.start();
    kiln = await startKiln({ worker: false });
    worker = await startWorkerBehind(proxy, kiln, { KILN_WORKER__HEARTBEAT_MS: '300' });
  });

  afterAll(async () => {
    await worker?.close();
    await kiln?.close();
    await proxy.cut();
  });

  it('the task is retried once the engine is back: the job completes, never judged as the program’s failure', async () => {
    const accepted = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 1; echo survived', limits: { timeoutMs: 10000 } });
    const id = accepted.body.id;
    await eventually(async () => (await kiln.http().get(`/jobs/${id}`)).body.state, (state) => state === 'RUNNING', 15_000);
    await proxy.cut();
    // The engine stays away for 1.5 s, and all that time the job is RUNNING, not failed for it.
    await remains(async () => (await kiln.http().get(`/jobs/${id}`)).body.state, (state) => state === 'RUNNING', 1500, 'the job RUNNING while the engine is away');
    await proxy.start();
    const job = await eventually(async () => (await kiln.http().get(`/jobs/${id}`)).body, (body) => body.state === 'COMPLETED', 30_000);
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'survived\n' } });
  });
});

describe('a job that no worker finishes', () => {
  let kiln: Harness;
  let idle: Harness;

  beforeAll(async () => {
    // A live worker that serves only another queue: jobs on `default` are accepted but never taken.
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__QUEUES: 'default,elsewhere' } });
    idle = await startKiln({ coordinator: false, env: { KILN_REDIS__PREFIX: kiln.prefix, KILN_COORDINATOR__QUEUES: 'default,elsewhere', KILN_WORKER__QUEUES: 'elsewhere' } });
  });

  afterAll(async () => {
    await idle?.close();
    await kiln?.close();
  });

  it('ends FAILED with INTERNAL_ERROR and a clear reason at its deadline, not RUNNING forever', async () => {
    const accepted = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)' });
    expect(accepted.status).toBe(202);
    const sweeper = kiln.coordinator!.get(StuckJobSweeper);
    expect(await sweeper.sweep(Date.now())).toBe(0);
    expect(await sweeper.sweep(Date.now() + kiln.loaded.config.jobs.deadlineMs + 1000)).toBe(1);
    const job = (await kiln.http().get(`/jobs/${accepted.body.id}`)).body;
    expect(job).toMatchObject({ state: 'FAILED', verdict: 'INTERNAL_ERROR', error: expect.stringContaining('did not finish within jobs.deadlineMs') });
    expect(job.tasks.find((t: { id: string }) => t.id === 'run').state).toBe('SKIPPED');
    expect(await sweeper.sweep(Date.now() + kiln.loaded.config.jobs.deadlineMs + 1000)).toBe(0);
  });
});
