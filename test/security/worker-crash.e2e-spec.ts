import Docker from 'dockerode';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually, remains } from '../support/waiting';
import { isContainerOfJob, sandboxesOf } from '../support/sandboxes';
import { KilnProcess, spawnKiln, workerUp } from '../support/processes';

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
    KILN_NODES__TIMEOUT_MS: '3000',
  });
  const sandboxes = () => sandboxesOf(kiln.prefix);

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_NODES__TIMEOUT_MS: '3000' } });
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
    // The reaper's time is counted from the restarted worker's start-up, not the process's boot.
    await workerUp(kiln, 'crash-worker', orphan.Labels['kiln.instance']);
    await eventually(
      () => docker.getContainer(orphan.Id).inspect().then(() => true, () => false),
      (exists) => !exists,
      15_000,
      'the orphan reaped by the restarted worker',
    );

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
    await eventually(async () => leftovers(await sandboxes()), (list) => list.length === 0, 10_000, 'nothing of the killed worker or the job left');
  });

  it('a task whose workers are killed more often than worker.maxStalledCount fails at once, as Kiln’s failure, not at the job’s deadline', async () => {
    const runTask = async (id: string) => ((await kiln.http().get(`/jobs/${id}`)).body.tasks as { id: string; state: string; workerId: string }[]).find((t) => t.id === 'run')!;
    const restart = async () => {
      worker!.child.kill('SIGKILL');
      await worker!.exited;
      worker = spawnKiln('worker', workerEnv());
    };
    await worker?.stop('SIGTERM');
    worker = spawnKiln('worker', workerEnv());
    await eventually(() => kiln.http().get('/health').then((r) => r.status), (status) => status === 200, 30_000, 'a worker up');
    const accepted = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 60', limits: { timeoutMs: 30000 } });
    expect(accepted.status).toBe(202);
    const id = accepted.body.id;
    // maxStalledCount 1 (the default): one lost worker is retried, the second is one too many.
    const lostInstances = new Set<string>();
    for (const loss of [1, 2]) {
      // The task's sandbox made by this worker process (kiln.instance), not the one the last left.
      const ranHere = (list: Docker.ContainerInfo[]) => list.some((c) => c.State === 'running' && isContainerOfJob(c, id) && !lostInstances.has(c.Labels['kiln.instance']));
      const list = await eventually(sandboxes, ranHere, 40_000, `the task running before loss ${loss}`);
      for (const c of list.filter((c) => isContainerOfJob(c, id))) lostInstances.add(c.Labels['kiln.instance']);
      await restart();
    }
    // Lock (3 s) and stall check (1 s) find it twice lost; the next worker to take it fails it, and says so.
    const job = await eventually(async () => (await kiln.http().get(`/jobs/${id}`)).body, (body) => body.state !== 'RUNNING', 30_000, 'the job to end');
    expect(job).toMatchObject({ state: 'FAILED', verdict: 'INTERNAL_ERROR' });
    expect(job.error).toMatch(/its worker was lost while it ran, more often than worker.maxStalledCount \(1\) allows/);
    expect(await runTask(id)).toMatchObject({ state: 'FAILED', workerId: 'crash-worker' });
  });
});

/** Issue 12: pooled containers carry no job, so only their owner's heartbeat says whether they are orphans. */
describe('the warm pool of a worker killed while idle', () => {
  let live: Harness;
  let doomed: KilnProcess | undefined;
  // Container mode: a pool of exactly sandbox.pool.size (nested mode would own worker.concurrency outer containers).
  const reaperEnv = { KILN_SANDBOX__MODE: 'container', KILN_SANDBOX__REAPER_INTERVAL_MS: '1000', KILN_NODES__TIMEOUT_MS: '3000', KILN_NODES__HEARTBEAT_MS: '500' };
  const poolOf = async (workerId: string) => (await sandboxesOf(live.prefix, `kiln.worker=${workerId}`)).map((c) => c.Id);

  beforeAll(async () => {
    // A live worker with a pool of its own: the reaper of the other's containers, and the owner whose containers must stay.
    live = await startKiln({ coordinator: false, env: { ...reaperEnv, KILN_SANDBOX__POOL__WARM: 'bash', KILN_SANDBOX__POOL__SIZE: '1' } });
  });

  afterAll(async () => {
    await doomed?.stop('SIGKILL');
    await live?.close();
  });

  it('is reaped by another worker of the deployment once the owner is gone; the live owner’s pool is never touched', async () => {
    const livePool = await eventually(() => poolOf(live.env.KILN_WORKER__ID), (ids) => ids.length === 1, 30_000);
    doomed = spawnKiln('worker', { ...live.env, ...reaperEnv, KILN_WORKER__ID: 'doomed-worker', KILN_SANDBOX__POOL__WARM: 'bash', KILN_SANDBOX__POOL__SIZE: '2' });
    const doomedPool = await eventually(() => poolOf('doomed-worker'), (ids) => ids.length === 2, 30_000);
    // Both reapers sweep each other's pools every second (reaperIntervalMs): a live owner's containers stay through several sweeps.
    const samePools = async () => [await poolOf(live.env.KILN_WORKER__ID), await poolOf('doomed-worker')];
    const untouched = ([liveIds, doomedIds]: string[][]) => liveIds.join() === livePool.join() && doomedPool.every((id) => doomedIds.includes(id));
    await remains(samePools, untouched, 3000, 'both live pools untouched');

    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(await poolOf('doomed-worker')).toEqual(expect.arrayContaining(doomedPool));
    await eventually(() => poolOf('doomed-worker'), (ids) => ids.length === 0, 20_000, "the dead worker's pool reaped");
    expect(await poolOf(live.env.KILN_WORKER__ID)).toEqual(livePool);
  });
});
