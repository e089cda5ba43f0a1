import { StuckJobSweeper } from '../../apps/coordinator/src/events/stuck-job-sweeper';
import { Harness, startKiln } from '../support/kiln-harness';
import { scriptedRuntime } from '../support/scripted-programs';

/** Issue 6, faults: nothing waits forever (a Docker engine that goes away: faults.e2e-spec.ts). */
describe('a job that no worker finishes', () => {
  let kiln: Harness;
  let idle: Harness;

  beforeAll(async () => {
    // A live worker that serves only another queue: jobs on `default` are accepted but never taken.
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__QUEUES: 'default,elsewhere' } });
    idle = await startKiln({ coordinator: false, runtime: scriptedRuntime(), env: { KILN_REDIS__PREFIX: kiln.prefix, KILN_COORDINATOR__QUEUES: 'default,elsewhere', KILN_WORKER__QUEUES: 'elsewhere' } });
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
