import Docker from 'dockerode';
import { Harness, eventually, isContainerOfJob, startKiln } from '../support/kiln-harness';
import { KilnProcess, spawnKiln } from '../support/processes';

/** Issue 3, acceptance 3: a worker SIGKILLed mid-task leaves nothing behind once restarted. */
describe('a worker killed mid-task', () => {
  let kiln: Harness;
  let worker: KilnProcess | undefined;
  const docker = new Docker();
  const workerEnv = () => ({
    ...kiln.env,
    KILN_WORKER__ID: 'crash-worker',
    KILN_WORKER__LOCK_DURATION_MS: '3000',
    KILN_WORKER__STALLED_INTERVAL_MS: '1000',
    KILN_SANDBOX__REAPER_INTERVAL_MS: '1000',
    KILN_COORDINATOR__WORKER_TIMEOUT_MS: '3000',
  });
  const sandboxes = () =>
    docker.listContainers({ all: true, filters: { label: ['kiln.sandbox=1', `kiln.deployment=${kiln.prefix}`] } });

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__WORKER_TIMEOUT_MS: '3000' } });
  });

  afterAll(async () => {
    await worker?.stop('SIGTERM');
    await kiln?.close();
  });

  it('is reaped after the restart, and its job is retried to COMPLETED', async () => {
    worker = spawnKiln('worker', workerEnv());
    await eventually(() => kiln.http().get('/health').then((r) => r.status), (status) => status === 200, 30_000);
    const accepted = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 3; echo survived', limits: { timeoutMs: 20000 } });
    const id = accepted.body.id;
    const running = await eventually(sandboxes, (list) => list.some((c) => c.State === 'running' && isContainerOfJob(c, id)), 15_000);
    const orphan = running.find((c) => isContainerOfJob(c, id))!;
    expect(orphan).toBeDefined();

    worker.child.kill('SIGKILL');
    await worker.exited;
    // Still there (its agent may already have exited on the closed attach stream): the reaper's to remove.
    expect((await docker.getContainer(orphan.Id).inspect()).Id).toBe(orphan.Id);

    worker = spawnKiln('worker', workerEnv());
    const gone = await eventually(
      () => docker.getContainer(orphan.Id).inspect().then(() => true, () => false),
      (exists) => !exists,
      15_000,
    );
    expect(gone).toBe(false);

    const job = await eventually(
      async () => (await kiln.http().get(`/jobs/${id}`)).body,
      (body) => ['COMPLETED', 'FAILED'].includes(body.state),
      40_000,
    );
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'survived\n' } });
    // Nothing of the killed instance nor of the job is left; the restarted
    // worker's own warm pool (ready containers serving no job) may stay.
    const leftovers = (list: Docker.ContainerInfo[]) =>
      list.filter((c) => c.Labels['kiln.instance'] === orphan.Labels['kiln.instance'] || isContainerOfJob(c, id));
    const left = await eventually(async () => leftovers(await sandboxes()), (list) => list.length === 0, 10_000);
    expect(left).toEqual([]);
  });
});
