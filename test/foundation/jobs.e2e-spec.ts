import { Queue } from 'bullmq';
import { taskQueueName } from '@kiln/store';
import { Harness, startKiln } from '../support/kiln-harness';
import { containersOfJob } from '../support/sandboxes';
import { eventually } from '../support/waiting';
import { SANDBOX_MODES, modeEnv } from '../support/sandbox-modes';
import { TEST_REDIS_URL } from '../support/environment';

/**
 * Foundation acceptance 4: asynchronous jobs, polling, cancellation.
 *
 * @system-serial a running job's cancellation is timed: its container gone within 1 s.
 */
describe.each(SANDBOX_MODES)('POST /jobs, GET /jobs/:id, PUT /jobs/:id/cancel (sandbox mode %s)', (mode) => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: { ...modeEnv(mode), KILN_WORKER__CONCURRENCY: '1' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const poll = (id: string, accept: (body: { state: string }) => boolean, timeoutMs = 30_000) =>
    eventually(async () => (await kiln.http().get(`/jobs/${id}`)).body, accept, timeoutMs);

  it('accepts with 202 and reaches COMPLETED with the same answer shape as /execute', async () => {
    const accepted = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(input()[::-1])', stdin: 'kiln' });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ id: expect.any(String), state: 'SCHEDULED' });
    const job = await poll(accepted.body.id, (b) => b.state === 'COMPLETED');
    expect(job).toMatchObject({
      id: accepted.body.id,
      state: 'COMPLETED',
      verdict: 'OK',
      language: 'python',
      compile: null,
      run: { stdout: 'nlik\n', verdict: 'OK' },
      tests: [],
    });
    expect(Object.keys(job).sort()).toEqual(
      ['compile', 'createdAt', 'finishedAt', 'id', 'language', 'run', 'state', 'tasks', 'tests', 'verdict'].sort(),
    );
    const executed = await kiln.http().post('/execute').send({ language: 'python', code: 'print(1)' });
    expect(Object.keys(executed.body).sort()).toEqual(Object.keys(job).sort());
  });

  it('cancels a running job within 1 s and its container is gone', async () => {
    const accepted = await kiln.http().post('/jobs').send({ language: 'bash', code: 'echo started; sleep 30', limits: { timeoutMs: 30000 } });
    const id = accepted.body.id;
    await poll(id, (b) => b.state === 'RUNNING');
    await eventually(() => containersOfJob(id), (list) => list.some((c) => c.State === 'running'));
    const started = Date.now();
    const cancelled = await kiln.http().put(`/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, state: 'CANCELLED' });
    await eventually(() => containersOfJob(id), (list) => list.length === 0, 1000, "the cancelled job's containers gone");
    expect(Date.now() - started).toBeLessThan(1000);
    const job = await poll(id, (b) => b.state === 'CANCELLED');
    expect(job.state).toBe('CANCELLED');
    const cleanup = await eventually(
      async () => (await kiln.http().get(`/jobs/${id}`)).body.tasks.find((t: { id: string }) => t.id === 'cleanup'),
      (task) => task.state === 'COMPLETED',
    );
    expect(cleanup.state).toBe('COMPLETED');
  });

  it('cancels a queued job before any worker takes it', async () => {
    const queue = new Queue(taskQueueName('default'), { connection: { url: TEST_REDIS_URL } as never, prefix: kiln.prefix });
    try {
      // Concurrency is 1 here: the first job occupies the worker, the second waits in the queue.
      const busy = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 30', limits: { timeoutMs: 30000 } });
      await poll(busy.body.id, (b) => b.state === 'RUNNING');
      const waiting = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)' });
      expect(await queue.getJob(`${waiting.body.id}.run`)).toBeDefined();
      const cancelled = await kiln.http().put(`/jobs/${waiting.body.id}/cancel`);
      expect(cancelled.body.state).toBe('CANCELLED');
      expect(cancelled.body.tasks.find((t: { id: string }) => t.id === 'run')).toMatchObject({ state: 'SKIPPED', workerId: null });
      expect(await queue.getJob(`${waiting.body.id}.run`)).toBeUndefined();
      expect((await kiln.http().put(`/jobs/${busy.body.id}/cancel`)).body.state).toBe('CANCELLED');
    } finally {
      await queue.close();
    }
  });

  it('answers 409 to the cancel of a finished job and 404 to an unknown one', async () => {
    const executed = await kiln.http().post('/execute').send({ language: 'python', code: 'print(1)' });
    expect(executed.body.state).toBe('COMPLETED');
    const again = await kiln.http().put(`/jobs/${executed.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toContain('already COMPLETED');
    const unknown = await kiln.http().put('/jobs/AAAAAAAAAAAAAAAAAAAAAA/cancel');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('no job');
    expect((await kiln.http().get('/jobs/nope')).status).toBe(404);
  });
});
