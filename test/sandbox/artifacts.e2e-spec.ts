import { JobScratchStore } from '../../apps/worker/src/tasks/job-scratch.store';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually } from '../support/waiting';

const sleeper = (seconds: number) => `#include <unistd.h>\nint main(void) { sleep(${seconds}); return 0; }\n`;

/**
 * Issue 12: a compile artifact (up to sandbox.artifactMaxMb of Redis) is
 * deleted on every path a job can end by: success, cancellation, the
 * deadline; and a compile that finishes after its job ended stores none.
 * Issue 17: a compiled checker's artifact is deleted alike.
 */
describe('compile artifacts', () => {
  let kiln: Harness;
  const artifact = (id: string) => kiln.redis.exists(`${kiln.prefix}:job:${id}:artifact`);
  const job = async (id: string) => (await kiln.http().get(`/jobs/${id}`)).body;

  beforeAll(async () => {
    // A short deadline (its minimum) for the deadline path; the cache would keep a copy of its own.
    kiln = await startKiln({ env: { KILN_JOBS__DEADLINE_MS: '10000', KILN_WORKER__COMPILE_CACHE__ENABLED: 'false' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('are deleted when the job completes', async () => {
    const done = await kiln.http().post('/execute').send({ language: 'c', code: 'int main(void) { return 0; }' });
    expect(done.body.verdict).toBe('OK');
    await eventually(() => artifact(done.body.id), (n) => n === 0);
  });

  it('are deleted when the job is cancelled while it runs', async () => {
    const accepted = await kiln.http().post('/jobs').send({ language: 'c', code: sleeper(20), limits: { timeoutMs: 25000 } });
    const id = accepted.body.id;
    await eventually(() => job(id), (body) => body.tasks.find((t: { id: string }) => t.id === 'run').state === 'RUNNING', 30_000);
    expect(await artifact(id)).toBe(1);
    expect((await kiln.http().put(`/jobs/${id}/cancel`)).body.state).toBe('CANCELLED');
    await eventually(() => artifact(id), (n) => n === 0);
  });

  it('a compiled checker’s artifact too: kept for the run tasks, deleted with the program’s when the job is cancelled', async () => {
    const checker = { language: 'cpp', code: 'int main() { return 0; }' };
    const accepted = await kiln.http().post('/jobs').send({ language: 'c', code: sleeper(20), tests: [{ stdin: '' }], checker, limits: { timeoutMs: 25000 } });
    const id = accepted.body.id;
    const checkerArtifact = () => kiln.redis.exists(`${kiln.prefix}:job:${id}:checker-artifact`);
    await eventually(() => job(id), (body) => body.tasks.find((t: { id: string }) => t.id === 'run-1').state === 'RUNNING', 30_000);
    expect([await artifact(id), await checkerArtifact()]).toEqual([1, 1]);
    // The cancel ends the job and deletes its scratch data before it answers: well before the
    // artifacts would expire by themselves (jobs.deadlineMs after they were written).
    expect((await kiln.http().put(`/jobs/${id}/cancel`)).body.state).toBe('CANCELLED');
    expect([await artifact(id), await checkerArtifact()]).toEqual([0, 0]);
  });

  it('are deleted when the job is ended by its deadline', async () => {
    const accepted = await kiln.http().post('/jobs').send({ language: 'c', code: sleeper(28), limits: { timeoutMs: 30000 } });
    const id = accepted.body.id;
    await eventually(() => artifact(id), (n) => n === 1, 20_000);
    const ended = await eventually(() => job(id), (body) => body.state === 'FAILED', 30_000);
    expect(ended.error).toMatch(/jobs.deadlineMs/);
    await eventually(() => artifact(id), (n) => n === 0);
  });

  it('are not stored by a compile that finishes after its job ended', async () => {
    const accepted = await kiln.http().post('/jobs').send({ language: 'c', code: sleeper(20), limits: { timeoutMs: 25000 } });
    const id = accepted.body.id;
    await kiln.http().put(`/jobs/${id}/cancel`);
    await eventually(() => artifact(id), (n) => n === 0);
    const scratch = kiln.worker!.get(JobScratchStore);
    expect(await scratch.saveArtifact({ jobId: id }, [{ name: 'main', mode: 0o755, content: Buffer.from('late') }])).toBe(false);
    expect(await artifact(id)).toBe(0);
  });
});
