import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../support/environment';
import { deleteKeys, Harness, startKiln } from '../support/kiln-harness';
import { scriptedRuntime } from '../support/scripted-programs';
import { testPrefix } from '../support/test-run';
import { eventually } from '../support/waiting';

/** Issue 6: nodes with status, named queues and routing, priorities, GET /queues, hash-tag prefixes (with scripted workers; a worker whose engine goes away: nodes-and-queues.e2e-spec.ts). */
describe('nodes and queues', () => {
  let kiln: Harness;
  let heavy: Harness;

  beforeAll(async () => {
    const queues = { KILN_COORDINATOR__QUEUES: 'default,heavy' };
    kiln = await startKiln({ runtime: scriptedRuntime(), env: { ...queues, KILN_WORKER__ID: 'light-worker', KILN_WORKER__CONCURRENCY: '1' } });
    heavy = await startKiln({
      runtime: scriptedRuntime(),
      coordinator: false,
      env: { ...queues, KILN_REDIS__PREFIX: kiln.prefix, KILN_WORKER__ID: 'heavy-worker', KILN_WORKER__QUEUES: 'heavy' },
    });
  });

  afterAll(async () => {
    await heavy?.close();
    await kiln?.close();
  });

  it('GET /nodes lists the coordinator and both workers, UP, with what they serve', async () => {
    const nodes = await eventually(
      async () => (await kiln.http().get('/nodes')).body as { id: string; role: string; status: string; queues: string[] }[],
      (list) => list.length >= 3,
    );
    const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
    expect(byId['light-worker']).toMatchObject({ role: 'worker', status: 'UP', queues: ['default'], concurrency: 1, docker: { ok: true } });
    expect(byId['heavy-worker']).toMatchObject({ role: 'worker', status: 'UP', queues: ['heavy'] });
    const coordinator = nodes.find((n) => n.role === 'coordinator');
    expect(coordinator).toMatchObject({ status: 'UP', queues: ['default', 'heavy'], version: expect.any(String) });
    expect(coordinator).toHaveProperty('cpu.cores');
    expect(coordinator).toHaveProperty('memory.rssBytes');
  });

  it('routes a job to the queue it names, and only workers of that queue take it', async () => {
    const ran = await kiln.http().post('/execute').send({ language: 'python', code: 'out heavy', queue: 'heavy' });
    expect(ran.body.run.stdout).toBe('heavy\n');
    expect(ran.body.tasks.find((t: { id: string }) => t.id === 'run').workerId).toBe('heavy-worker');
    const plain = await kiln.http().post('/execute').send({ language: 'python', code: 'out light' });
    expect(plain.body.tasks.find((t: { id: string }) => t.id === 'run').workerId).toBe('light-worker');
  });

  it('refuses an unknown queue and a priority out of range, naming the field', async () => {
    const queue = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)', queue: 'gpu' });
    expect(queue.status).toBe(400);
    expect(queue.body.details).toEqual([{ field: 'queue', message: 'unknown queue "gpu"; this server has: default, heavy' }]);
    const priority = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)', priority: 11 });
    expect(priority.status).toBe(400);
    expect(priority.body.details[0].field).toBe('priority');
  });

  it('runs higher-priority jobs first', async () => {
    // The light worker runs one task at a time: occupy it, then queue low before high.
    const blocker = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 1500', limits: { timeoutMs: 5000 } });
    await eventually(async () => (await kiln.http().get(`/jobs/${blocker.body.id}`)).body.state, (s) => s === 'RUNNING');
    const low = await kiln.http().post('/jobs').send({ language: 'python', code: 'out low', priority: 1 });
    const high = await kiln.http().post('/jobs').send({ language: 'python', code: 'out high', priority: 10 });
    const finished = async (id: string) =>
      eventually(async () => (await kiln.http().get(`/jobs/${id}`)).body, (b) => b.state === 'COMPLETED', 20_000);
    const [lowJob, highJob] = await Promise.all([finished(low.body.id), finished(high.body.id)]);
    expect(new Date(highJob.finishedAt).getTime()).toBeLessThan(new Date(lowJob.finishedAt).getTime());
  });

  it('GET /queues shows depth, activity, failures and throughput per queue', async () => {
    type QueueView = { name: string; kind: string; workers: number; tiers: unknown[]; depth: number; counts: Record<string, number>; throughput: Record<string, number> };
    // The jobs' cleanup tasks wait a moment in the queue (delayed) before they run.
    const queues = await eventually(
      async () => (await kiln.http().get('/queues')).body as QueueView[],
      (list) => list.find((q) => q.name === 'default')?.depth === 0,
    );
    const byName = Object.fromEntries(queues.map((q) => [q.name, q]));
    expect(byName.default).toMatchObject({ kind: 'tasks', workers: 1, depth: 0 });
    // The tiers of the workers serving each queue (scripted runtimes here; test/cluster/split-tiers.e2e-spec.ts: runc and runsc).
    expect(byName.default.tiers).toEqual([{ mode: 'scripted', runtime: 'none', setting: 'given', reason: expect.any(String), workers: 1 }]);
    expect(byName.heavy.tiers).toEqual([{ mode: 'scripted', runtime: 'none', setting: 'given', reason: expect.any(String), workers: 1 }]);
    expect(byName.heavy).toMatchObject({ kind: 'tasks', workers: 1 });
    expect(byName.default.counts).toEqual(expect.objectContaining({ active: expect.any(Number), failed: 0 }));
    expect(byName.default.throughput.completedTotal).toBeGreaterThanOrEqual(3);
    expect(byName.heavy.throughput.completedTotal).toBeGreaterThanOrEqual(1);
    expect(byName.default.throughput.completedLastFullMinute).toEqual(expect.any(Number));
    expect(queues.map((q) => q.name)).toEqual(expect.arrayContaining(['kiln-events', 'kiln-webhooks']));
  });
});

describe('a Redis Cluster hash-tag prefix', () => {
  it('works end to end with {braces} in the prefix', async () => {
    const tagged = `{${testPrefix('tag')}}`;
    const kiln = await startKiln({ runtime: scriptedRuntime(), env: { KILN_REDIS__PREFIX: tagged } });
    try {
      const ran = await kiln.http().post('/execute').send({ language: 'bash', code: 'out tagged' });
      expect(ran.body.run.stdout).toBe('tagged\n');
      const keys = await kiln.redis.keys(`*${tagged.slice(1, -1)}*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((key) => key.startsWith(`${tagged}:`))).toBe(true);
    } finally {
      await kiln.close();
      // The harness cleans its own prefix; this one is the test's.
      const redis = new Redis(TEST_REDIS_URL);
      await deleteKeys(redis, tagged);
      redis.disconnect();
    }
  });
});
