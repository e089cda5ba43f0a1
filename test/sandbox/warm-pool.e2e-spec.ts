import Docker from 'dockerode';
import { WorkerMetrics } from '../../apps/worker/src/metrics/worker-metrics';
import { ContainerPool } from '../../apps/worker/src/sandbox/docker/container-pool';
import { SandboxRuntime } from '../../apps/worker/src/sandbox/sandbox-runtime';
import { DockerEventLog } from '../support/docker-events';
import { Harness, startKiln } from '../support/kiln-harness';
import { isContainerOfJob, sandboxesOf } from '../support/sandboxes';
import { eventually } from '../support/waiting';
import { testPrefix } from '../support/test-run';

const PYTHON = 'kiln/python:latest';
const docker = new Docker();

/** The strict tier: one fresh container per task (sandbox.mode container), whatever auto would choose here. */
const STRICT = { KILN_SANDBOX__MODE: 'container' };

/** Issue 4: the warm pool of container mode (one fresh container per task). */
describe('warm container pool (container mode)', () => {
  let kiln: Harness;
  let events: DockerEventLog;
  let pool: ContainerPool;

  const execute = (body: object) => kiln.http().post('/execute').send(body);
  /** Limit updates on lent containers so far: the worker's timing histogram of Docker's update call counts them. */
  const limitUpdates = async () => {
    const histogram = await kiln.worker!.get(WorkerMetrics).registry.getSingleMetric('kiln_container_operation_duration_seconds')!.get();
    const values = histogram.values as { value: number; labels: Record<string, unknown>; metricName?: string }[];
    return values.find((v) => v.metricName === 'kiln_container_operation_duration_seconds_count' && v.labels.operation === 'update')?.value ?? 0;
  };
  const readyPython = () => eventually(async () => pool.readyIds(PYTHON).length, (n) => n === 3, 30_000, 'three python containers ready');

  beforeAll(async () => {
    // The event log starts first: the warm pool starts its containers as soon as the worker is up.
    const prefix = testPrefix();
    events = await DockerEventLog.start(prefix);
    kiln = await startKiln({
      prefix,
      env: { ...STRICT, KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '3', KILN_WORKER__CONCURRENCY: '2' },
    });
    pool = kiln.worker!.get(ContainerPool);
  });

  afterAll(async () => {
    events?.stop();
    await kiln?.close();
  });

  it('keeps started containers ready for a warm language, and none for the others', async () => {
    await readyPython();
    const containers = await sandboxesOf(kiln.prefix);
    expect(containers.map((c) => [c.Image, c.State])).toEqual(Array(3).fill([PYTHON, 'running']));
    expect(containers.every((c) => c.Names[0].startsWith(`/kiln-${kiln.prefix}-ready-`))).toBe(true);
  });

  it('runs a task in a container started before the job was submitted', async () => {
    await readyPython();
    const submitted = Date.now();
    const response = await execute({ language: 'python', code: 'print("warm")' });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: 'warm\n' } });
    const [container] = await eventually(async () => events.containersOf(response.body.id), (ids) => ids.length === 1);
    expect(events.startedAt(container)).toBeLessThan(submitted);
  });

  it('never hands a container to a second job', async () => {
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        [0, 1, 2, 3].map((i) => execute({ language: 'python', code: `print(${round * 4 + i})` })),
      );
      answers.forEach((answer, i) => expect(answer.body.run.stdout).toBe(`${round * 4 + i}\n`));
      ids.push(...answers.map((answer) => answer.body.id));
    }
    const jobsByContainer = await eventually(
      async () => events.jobsByContainer(ids),
      (map) => [...map.values()].reduce((n, jobs) => n + jobs.size, 0) >= ids.length,
    );
    expect(jobsByContainer.size).toBe(ids.length);
    for (const jobs of jobsByContainer.values()) expect(jobs.size).toBe(1);
    const removed = await eventually(
      async () => [...jobsByContainer.keys()].filter((id) => events.destroyed(id)).length,
      (n) => n === ids.length,
    );
    expect(removed).toBe(ids.length);
  });

  it('lends each sandbox once: a released one is removed, the next job gets another', async () => {
    const runtime = kiln.worker!.get(SandboxRuntime);
    const limits = { memoryMb: 256, cpus: 1, processes: 64 };
    const first = await runtime.lease({ owner: { id: 'job-a', part: 'run' }, image: PYTHON, limits });
    runtime.release(first);
    const second = await runtime.lease({ owner: { id: 'job-b', part: 'run' }, image: PYTHON, limits });
    runtime.release(second);
    expect(second.id).not.toBe(first.id);
    await eventually(
      () => docker.getContainer(first.id).inspect().then(() => false, () => true),
      (isGone) => isGone,
      10_000,
      'the released sandbox removed',
    );
  });

  it('applies limits that differ from the pooled container’s before the program runs', async () => {
    await readyPython();
    const updatesBefore = await limitUpdates();
    const code = [
      'for path in ["memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes", "pids/pids.max", "cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us"]:',
      '    print(open("/sys/fs/cgroup/" + path).read().strip())',
    ].join('\n');
    const response = await execute({ language: 'python', code, limits: { memoryMb: 96, processes: 20, cpus: 0.5 } });
    expect(response.body.verdict).toBe('OK');
    const mib96 = String(96 * 1024 * 1024);
    expect(response.body.run.stdout.split('\n')).toEqual([mib96, mib96, '21', '50000', '100000', '']);
    expect(await limitUpdates()).toBe(updatesBefore + 1);
    const bomb = await execute({
      language: 'python',
      code: 'chunks = []\nwhile True:\n    chunks.append(bytearray(b"x" * (8 << 20)))',
      limits: { memoryMb: 64 },
    });
    expect(bomb.body.verdict).toBe('MEMORY_LIMIT');
  });

  it('detects containers killed, removed, restarted or frozen behind its back and never hands them out', async () => {
    await readyPython();
    const victims = pool.readyIds(PYTHON);
    expect(victims).toHaveLength(3);
    await docker.getContainer(victims[0]).kill();
    await docker.getContainer(victims[1]).remove({ force: true });
    await docker.getContainer(victims[2]).pause();
    const answers = await Promise.all([0, 1, 2, 3].map((i) => execute({ language: 'python', code: `print(${i})` })));
    answers.forEach((answer, i) => expect(answer.body).toMatchObject({ verdict: 'OK', run: { stdout: `${i}\n` } }));
    const served = answers.flatMap((answer) => events.containersOf(answer.body.id));
    expect(served.filter((id) => victims.includes(id))).toEqual([]);
    await readyPython();
    const restartVictim = pool.readyIds(PYTHON)[0];
    // The pool sees the stop and removes the container, often before the engine starts it again.
    await docker.getContainer(restartVictim).restart({ t: 0 }).catch((error: Error) => expect(error.message).toMatch(/marked for removal|No such container/));
    const afterRestart = await execute({ language: 'python', code: 'print("fresh")' });
    expect(afterRestart.body.run.stdout).toBe('fresh\n');
    expect(events.containersOf(afterRestart.body.id)).not.toContain(restartVictim);
    // Gone when the engine can no longer inspect it. Its list may still show one "Removal In Progress" for ever:
    // Docker 20.10 leaves that when the restart above races the pool's removal ("container is marked for removal").
    const stillThere = async () => {
      const found = await Promise.all([...victims, restartVictim].map((id) => docker.getContainer(id).inspect().then(() => id, () => null)));
      return found.filter((id) => id !== null);
    };
    // Removing a paused container takes the engine seconds on a busy machine.
    await eventually(stillThere, (list) => list.length === 0, 30_000, 'every victim removed');
    await readyPython();
  });
});

describe('warm container pool sizing and shutdown', () => {
  it('keeps nothing for unused languages, a pool while one is in demand, and none after', async () => {
    const kiln = await startKiln({ env: { ...STRICT, KILN_SANDBOX__POOL__DEMAND_WINDOW_MS: '3000', KILN_SANDBOX__POOL__SIZE: '2' } });
    try {
      expect(await sandboxesOf(kiln.prefix)).toEqual([]);
      const response = await kiln.http().post('/execute').send({ language: 'bash', code: 'echo demand' });
      expect(response.body.run.stdout).toBe('demand\n');
      const pool = kiln.worker!.get(ContainerPool);
      await eventually(async () => pool.readyIds('kiln/base:latest').length, (n) => n === 1);
      // The job's own container may still be on its way out (removal runs in the background): it is not the pool.
      const pooled = (await sandboxesOf(kiln.prefix)).filter((c) => !isContainerOfJob(c, response.body.id));
      expect(pooled.map((c) => c.Image)).toEqual(['kiln/base:latest']);
      await eventually(() => sandboxesOf(kiln.prefix), (list) => list.length === 0, 10_000, 'the pool drained once out of demand');
    } finally {
      await kiln.close();
    }
  });

  it('drains on shutdown: no container of the worker is left', async () => {
    const kiln = await startKiln({ env: { ...STRICT, KILN_SANDBOX__POOL__WARM: 'python,bash', KILN_SANDBOX__POOL__SIZE: '2' } });
    const pool = kiln.worker!.get(ContainerPool);
    // Both pools hold ready containers (how many at once depends on how the launches interleave; more may be on their way).
    const bothReady = () => eventually(async () => [pool.readyIds(PYTHON).length, pool.readyIds('kiln/base:latest').length], (counts) => counts.every((n) => n >= 1), 30_000, 'ready containers in both pools');
    await bothReady().catch(async (error) => {
      await kiln.close();
      throw error;
    });
    await kiln.close();
    expect(await sandboxesOf(kiln.prefix)).toEqual([]);
  });
});
